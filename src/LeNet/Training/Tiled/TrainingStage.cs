using LeNet.Kernels.Tiles;

namespace LeNet.Training.Tiled;

/// <summary>
/// One fused stage of a <see cref="TiledTrainingStep"/> (a convolution with its activation and pool, or a
/// dense layer with its activation): forward and backward over one tile of 16 images in the batch-inner
/// layout, reading map <see cref="Input"/> and writing map <see cref="Output"/> of a <see cref="TileScratch"/>.
/// </summary>
internal abstract class TrainingStage(TileMap inputMap, TileMap outputMap, int input)
{
    /// <summary>The input map's layout, with the zero padding this stage reads.</summary>
    public TileMap InputMap { get; } = inputMap;

    /// <summary>The output map's layout, with the zero padding the next stage reads.</summary>
    public TileMap OutputMap { get; } = outputMap;

    /// <summary>Index of the input map; the output is the next one.</summary>
    public int Input { get; } = input;

    public int Output => Input + 1;

    /// <summary>Floats of this stage's per-tile gradient partials (convolutions; dense layers reduce over the whole batch instead).</summary>
    public virtual int PartialLength => 0;

    /// <summary>Floats of the per-worker scratch for the activations forward keeps for backward (besides the output map).</summary>
    public virtual int KeepLength => 0;

    /// <summary>Floats of the per-worker scratch for the gradient before the activation.</summary>
    public virtual int GradientScratchLength => 0;

    /// <summary>Makes room for a batch of <paramref name="rows"/> images in any per-batch arrays.</summary>
    public virtual void Reserve(int rows)
    {
    }

    /// <summary>Copies the current weights into the packed layouts the kernels read (before each step).</summary>
    public abstract void Pack();

    /// <summary>Forward pass of one tile (lane groups [0, groups)), keeping what <see cref="Backward"/> needs.</summary>
    public abstract void Forward(TileScratch scratch, int stage, int first, int count, int groups);

    /// <summary>
    /// Backward pass of one tile: from <c>scratch.Gradients[Output]</c> to <c>scratch.Gradients[Input]</c>
    /// (when <paramref name="inputGradient"/>), adding parameter gradients to <paramref name="partial"/>.
    /// </summary>
    public abstract void Backward(TileScratch scratch, int stage, int first, int count, int groups, Span<float> partial, bool inputGradient);

    /// <summary>How many independent pieces <see cref="Finish"/> splits into (run on any threads, in any order).</summary>
    public virtual int FinishChunks => 1;

    /// <summary>
    /// Adds piece <paramref name="chunk"/> of this stage's share of the batch's parameter gradients, after
    /// every tile ran: the tiles' partials (<paramref name="tiles"/> of them, <paramref name="partialStride"/>
    /// apart, this stage's at <paramref name="partialOffset"/>) summed in tile order, or the batch arrays.
    /// </summary>
    public abstract void Finish(int chunk, ReadOnlySpan<float> partials, int tiles, int partialStride, int partialOffset, int rows);
}
