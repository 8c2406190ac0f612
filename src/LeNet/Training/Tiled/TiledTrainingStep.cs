using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Training.Tiled;

/// <summary>
/// One training step (forward, cross-entropy, backward) of a <see cref="Sequential"/> compiled into fused
/// stages over tiles of 16 images in the batch-inner layout, the <see cref="Predictor"/>'s layout: every
/// kernel vectorizes across images, whatever the layer's channels or width.
/// </summary>
/// <remarks>
/// <para>
/// A tile runs its whole forward pass, its loss and its whole backward pass before the next tile starts
/// (the loss of one image does not depend on the others: its gradient is (softmax − target) / N), so a
/// tile's activations stay in the core's cache instead of travelling to memory and back between layers.
/// </para>
/// <para>
/// Deterministic whatever the thread count: each tile's convolution gradients go to the tile's own
/// partial sums, added in tile order once all tiles are done; dense layers' weight gradients are one
/// product over the batch, split across threads by output rows.
/// </para>
/// <para>
/// Built from the <see cref="StageCompiler"/>'s stages, as inference is: chains of stride-1 Conv2d
/// (padding &lt; kernel size) + optional Sigmoid/ReLU + optional 2×2 stride-2 AvgPool2d/MaxPool2d, then
/// Flatten, then Linear + optional Sigmoid/ReLU: LeNet in all its variants. <see cref="TryCreate(Sequential, ReadOnlySpan{int}, CrossEntropyLoss)"/> returns null for anything else, and the trainer runs the layers'
/// own Forward and Backward.
/// </para>
/// </remarks>
internal sealed class TiledTrainingStep : IChunkWork
{
    /// <summary>
    /// Helpers spin up to 2 ms for the next call: between two steps the trainer's serial work (the
    /// optimizer, the next batch's copy) takes a few hundred microseconds, and a helper that went to
    /// sleep meanwhile wakes up to a millisecond late on a virtual machine, leaving its share of the tiles
    /// to the caller (measured: 2.7 of 8 tiles instead of 4 with the default 100 µs).
    /// </summary>
    private readonly ParallelTeam _team = new(TimeSpan.FromMilliseconds(2));
    private readonly CrossEntropyLoss _loss;
    private readonly int _partialLength;
    private readonly int[] _partialOffsets;
    private readonly Finishing _finishing;
    private TileScratch?[] _scratch = [];
    private float[] _partials = [];
    private double[] _rowLosses = [];
    private bool[] _rowCorrect = [];
    private float[] _images = [];
    private int[] _labels = [];
    private int _rows;

    private TiledTrainingStep(TileMap[] maps, TrainingStage[] stages, int classes, SimdWidth width, CrossEntropyLoss loss)
    {
        (Maps, Stages, Classes, Width, _loss) = (maps, stages, classes, width, loss);
        _partialOffsets = new int[stages.Length];
        for (int s = 0; s < stages.Length; s++)
        {
            _partialOffsets[s] = _partialLength;
            _partialLength += stages[s].PartialLength;
        }

        InputLength = maps[0].Features;
        _finishing = new Finishing(this);
    }

    /// <summary>The feature maps between stages, with the zero padding their consumers read.</summary>
    public TileMap[] Maps { get; }

    public TrainingStage[] Stages { get; }

    public int Classes { get; }

    public SimdWidth Width { get; }

    /// <summary>Floats per input image.</summary>
    public int InputLength { get; }

    /// <summary>Compiles <paramref name="model"/> for samples of <paramref name="sampleShape"/>, or returns null when a layer has no fused training stage here.</summary>
    public static TiledTrainingStep? TryCreate(Sequential model, ReadOnlySpan<int> sampleShape, CrossEntropyLoss loss) =>
        TryCreate(model, sampleShape, loss, SimdSupport.Best);

    /// <summary>As <see cref="TryCreate(Sequential, ReadOnlySpan{int}, CrossEntropyLoss)"/> at a given vector width (tests run every width).</summary>
    public static TiledTrainingStep? TryCreate(Sequential model, ReadOnlySpan<int> sampleShape, CrossEntropyLoss loss, SimdWidth width) => width switch
    {
        SimdWidth.Vector512 => Compile<Vector512Ops, System.Runtime.Intrinsics.Vector512<float>>(model, sampleShape, loss, width),
        SimdWidth.Vector256 => Compile<Vector256Ops, System.Runtime.Intrinsics.Vector256<float>>(model, sampleShape, loss, width),
        SimdWidth.Vector128 => Compile<Vector128Ops, System.Runtime.Intrinsics.Vector128<float>>(model, sampleShape, loss, width),
        _ => Compile<ScalarOps, float>(model, sampleShape, loss, width),
    };

    /// <summary>
    /// Runs forward, loss and backward for <paramref name="rows"/> images [rows, …sample] with their
    /// labels, adding the parameter gradients into each <see cref="Parameter.Gradient"/>.
    /// </summary>
    /// <returns>The mean loss over the batch and the count of correct argmax predictions.</returns>
    /// <exception cref="ArgumentException">A label is outside [0, classes).</exception>
    public (float Loss, int Correct) Step(float[] images, int[] labels, int rows)
    {
        CrossEntropyLoss.CheckTargets(labels.AsSpan(0, rows), Classes);
        int tiles = TileMap.TileCount(rows);
        Reserve(tiles, rows);
        foreach (TrainingStage stage in Stages)
        {
            stage.Pack();
        }

        (_images, _labels, _rows) = (images, labels, rows);
        try
        {
            _team.Run(tiles, this);
        }
        finally
        {
            (_images, _labels) = ([], []);
        }

        _finishing.Tiles = tiles;
        _team.Run(_finishing.Chunks, _finishing);

        // The mean of the rows' losses in row order, as CrossEntropyLoss.Compute sums them.
        double total = 0;
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            total += _rowLosses[r];
            correct += _rowCorrect[r] ? 1 : 0;
        }

        return ((float)(total / rows), correct);
    }

    void IChunkWork.Run(int chunk, int worker)
    {
        TileScratch scratch = _scratch[worker] ??= new TileScratch(this);
        (int first, int count) = TileMap.TileImages(chunk, _rows);
        int groups = (count + (int)Width - 1) / (int)Width;
        TileTranspose.In(_images.AsSpan(first * InputLength, count * InputLength), count, scratch.Maps[0], Maps[0]);
        for (int s = 0; s < Stages.Length; s++)
        {
            Stages[s].Forward(scratch, s, first, count, groups);
        }

        // Loss and logit gradients image by image, then back into the tile layout (absent images: zeros).
        TileTranspose.Out(scratch.Maps[^1], Maps[^1], scratch.Logits, count);
        for (int t = 0; t < count; t++)
        {
            int row = first + t;
            _rowLosses[row] = _loss.Row(
                scratch.Logits.AsSpan(t * Classes, Classes), _labels[row], _rows, scratch.LogitGradients.AsSpan(t * Classes, Classes), out _rowCorrect[row]);
        }

        TileTranspose.In(scratch.LogitGradients, count, scratch.Gradients[^1], Maps[^1] with { Pad = 0 });
        Span<float> partials = _partials.AsSpan(chunk * _partialLength, _partialLength);
        partials.Clear();
        for (int s = Stages.Length - 1; s >= 0; s--)
        {
            Stages[s].Backward(scratch, s, first, count, groups, partials.Slice(_partialOffsets[s], Stages[s].PartialLength), inputGradient: s > 0);
        }
    }

    private void Reserve(int tiles, int rows)
    {
        if (_scratch.Length < Parallelism.MaxDegreeOfParallelism)
        {
            Array.Resize(ref _scratch, Parallelism.MaxDegreeOfParallelism);
        }

        if (_partials.Length < tiles * _partialLength)
        {
            _partials = new float[tiles * _partialLength];
        }

        if (_rowLosses.Length < rows)
        {
            _rowLosses = new double[rows];
            _rowCorrect = new bool[rows];
        }

        foreach (TrainingStage stage in Stages)
        {
            stage.Reserve(rows);
        }
    }

    private static TiledTrainingStep? Compile<TOps, TVec>(Sequential model, ReadOnlySpan<int> sampleShape, CrossEntropyLoss loss, SimdWidth width)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (sampleShape.Length is not (1 or 3))
        {
            return null;
        }

        try
        {
            model.GetOutputShape([1, .. sampleShape]);
        }
        catch (ArgumentException)
        {
            // The layers' own Forward reports the shape that does not fit.
            return null;
        }

        StageCompiler compiled = StageCompiler.Compile(model, sampleShape, training: true);

        // Logits come out of a dense stage, flat and without padding.
        if (compiled.Unsupported is not null || compiled.Specs.Count == 0 || compiled.Specs[^1] is not LinearStageSpec)
        {
            return null;
        }

        var stages = new TrainingStage[compiled.Specs.Count];
        for (int s = 0; s < stages.Length; s++)
        {
            if (compiled.Specs[s].BuildTraining<TOps, TVec>(compiled.Maps) is not TrainingStage stage)
            {
                return null;
            }

            stages[s] = stage;
        }

        return new TiledTrainingStep(compiled.Maps, stages, compiled.Maps[^1].Channels, width, loss);
    }

    /// <summary>The pieces of every stage's <see cref="TrainingStage.Finish"/>, as one parallel run.</summary>
    private sealed class Finishing : IChunkWork
    {
        private readonly TiledTrainingStep _step;
        private readonly (int Stage, int Piece)[] _pieces;

        public Finishing(TiledTrainingStep step)
        {
            _step = step;
            _pieces = [.. step.Stages.SelectMany((stage, s) => Enumerable.Range(0, stage.FinishChunks).Select(piece => (s, piece)))];
        }

        public int Chunks => _pieces.Length;

        public int Tiles { get; set; }

        public void Run(int chunk, int worker)
        {
            (int s, int piece) = _pieces[chunk];
            _step.Stages[s].Finish(piece, _step._partials, Tiles, _step._partialLength, _step._partialOffsets[s], _step._rows);
        }
    }
}
