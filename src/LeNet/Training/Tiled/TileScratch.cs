namespace LeNet.Training.Tiled;

/// <summary>
/// One worker's buffers for a <see cref="TiledTrainingStep"/>: every feature map of a tile and its gradient,
/// each stage's kept activations and pre-activation gradient, and the loss's rows. Allocated and zeroed
/// once: padding borders are never written, so they stay zero.
/// </summary>
internal sealed class TileScratch
{
    public TileScratch(TiledTrainingStep plan)
    {
        Maps = [.. plan.Maps.Select(m => new float[m.Length])];
        // Nothing needs the gradient of the input images.
        Gradients = [.. plan.Maps.Select((m, i) => i == 0 ? [] : new float[m.Length])];
        Keep = [.. plan.Stages.Select(s => new float[s.KeepLength])];
        PreActivationGradients = [.. plan.Stages.Select(s => new float[s.GradientScratchLength])];
        Logits = new float[plan.Classes * Kernels.Tiles.TileMap.Lanes];
        LogitGradients = new float[plan.Classes * Kernels.Tiles.TileMap.Lanes];
    }

    /// <summary>Map m of the current tile, [C, Hp, Wp, 16].</summary>
    public float[][] Maps { get; }

    /// <summary>The loss's gradient with respect to map m, in m's layout (its border is scratch that nobody reads).</summary>
    public float[][] Gradients { get; }

    /// <summary>Stage s's activations before its pool (empty when it has none to keep).</summary>
    public float[][] Keep { get; }

    /// <summary>Stage s's gradient before its activation, padded as its input-gradient convolution reads it.</summary>
    public float[][] PreActivationGradients { get; }

    /// <summary>The tile's logits, image-major [16, classes].</summary>
    public float[] Logits { get; }

    /// <summary>The loss's gradient of the tile's logits, image-major [16, classes].</summary>
    public float[] LogitGradients { get; }
}
