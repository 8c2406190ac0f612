using LeNet.Inference;
namespace LeNet.Compiler;

/// <summary>One worker's buffers: every feature map in the tile layout and in the single-image layout, plus kernel scratch. Allocated once, zeroed once (the zero padding borders are never written).</summary>
internal sealed class Workspace
{
    public Workspace(PredictorPlan plan)
    {
        Tiles = new float[plan.Maps.Length][];
        Images = new float[plan.Maps.Length][];

        // Only the maps a tile stage reads or writes need a tile (16 images): the maps of the stages that run image
        // by image inside a tile (a deep network's large convolutions) would hold 16 images each for nothing.
        int firstTile = plan.ImageStages < plan.Stages.Length ? plan.Stages[plan.ImageStages].Input : plan.Maps.Length;
        for (int m = 0; m < plan.Maps.Length; m++)
        {
            Tiles[m] = m >= firstTile ? new float[plan.Maps[m].Length] : [];
            Images[m] = new float[plan.ImageLengths[m]];
        }

        Gemm = new float[plan.GemmLength];
        Columns = new float[plan.ColumnsLength];
        Row = new float[plan.RowLength];
        Staging = new float[plan.StagingLength];
    }

    /// <summary>The per-image stages' outputs of a tile, image after image, before they enter the tile layout.</summary>
    public float[] Staging { get; }

    /// <summary>Map m of the current tile, [C, Hp, Wp, 16]; empty for the maps only the per-image stages of a tile touch.</summary>
    public float[][] Tiles { get; }

    /// <summary>Map m of the current single image, [C, Hp, Wp] plus the slack the convolution reads past it.</summary>
    public float[][] Images { get; }

    /// <summary>The single-image convolution's full-resolution output, [O, pixels].</summary>
    public float[] Gemm { get; }

    /// <summary>The single-image im2col matrix of strided convolutions.</summary>
    public float[] Columns { get; }

    /// <summary>The single-image pooling's row.</summary>
    public float[] Row { get; }

    /// <summary>
    /// While one image runs image by image: the caller's output for it, [C, H, W] of the last map (which has no padding,
    /// so the same layout), which the last stage may write in place of <c>Images[^1]</c> (a 1×1 convolution's GEMM does,
    /// see <see cref="ConvStage.WritesMap"/>), then sets <see cref="TargetWritten"/>; null otherwise.
    /// </summary>
    public unsafe float* Target { get; set; }

    /// <summary>Floats at <see cref="Target"/>.</summary>
    public int TargetLength { get; set; }

    /// <summary>Set by the last stage when it wrote <see cref="Target"/> itself: the copy out of <c>Images[^1]</c> is then skipped.</summary>
    public bool TargetWritten { get; set; }

    /// <summary>
    /// Set while this worker holds the call's only chunk of images on two or more threads: the single-image
    /// stages may then split a large layer's rows across the threads (see <see cref="ImageSplit"/>); null otherwise.
    /// </summary>
    public ImageSplit? Split { get; set; }
}
