using LeNet.Inference;
namespace LeNet.Compiler;

/// <summary>One worker's buffers: every feature map in the tile layout and in the single-image layout, plus kernel scratch. Allocated once, zeroed once (the zero padding borders are never written).</summary>
internal sealed class Workspace
{
    public Workspace(PredictorPlan plan)
    {
        Tiles = new float[plan.Maps.Length][];
        Images = new float[plan.Maps.Length][];
        for (int m = 0; m < plan.Maps.Length; m++)
        {
            Tiles[m] = new float[plan.Maps[m].Length];
            Images[m] = new float[plan.ImageLengths[m]];
        }

        Gemm = new float[plan.GemmLength];
        Columns = new float[plan.ColumnsLength];
        Row = new float[plan.RowLength];
        Staging = new float[plan.StagingLength];
    }

    /// <summary>The per-image stages' outputs of a tile, image after image, before they enter the tile layout.</summary>
    public float[] Staging { get; }

    /// <summary>Map m of the current tile, [C, Hp, Wp, 16].</summary>
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
    /// Set while this worker holds the call's only chunk of images on two or more threads: the single-image
    /// stages may then split a large layer's rows across the threads (see <see cref="ImageSplit"/>); null otherwise.
    /// </summary>
    public ImageSplit? Split { get; set; }
}
