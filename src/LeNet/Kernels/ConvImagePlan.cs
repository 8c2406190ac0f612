using System.Runtime.CompilerServices;
namespace LeNet.Kernels;

/// <summary>
/// How <see cref="ConvImageKernel"/> lays out one image's convolution: the zero-padded input planes,
/// the tap offsets of the implicit GEMM and the output pixel grid. Depends on the geometry only, so it
/// is computed once per call (or once per predictor) and shared by every image.
/// </summary>
/// <remarks>
/// Stride 1 reads the taps straight from the padded input: output pixel p = y·Wp + x (Wp the padded
/// width) needs input element p + c·Hp·Wp + i·Wp + j, so every tap is one contiguous run and no im2col
/// buffer is needed; the Wp − OW columns past each output row are computed and thrown away. Other
/// strides first copy the taps into an im2col matrix [C·K·K, pixels] (p = y·OW + x).
/// </remarks>
internal sealed class ConvImagePlan
{
    /// <summary>Pixel counts are rounded up to this, a multiple of every vector width.</summary>
    public const int PixelAlign = 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ConvImagePlan(in ConvGeometry g)
    {
        Geometry = g;
        PaddedHeight = g.Height + (2 * g.Padding);
        PaddedWidth = g.Width + (2 * g.Padding);
        PaddedLength = g.InChannels * PaddedHeight * PaddedWidth;
        int k = g.Kernel;
        Offsets = new int[g.InChannels * k * k];
        if (g.Stride == 1)
        {
            RowStride = PaddedWidth;
            Pixels = RoundUp(((g.OutHeight - 1) * PaddedWidth) + g.OutWidth);
            for (int c = 0, r = 0; c < g.InChannels; c++)
            {
                for (int i = 0; i < k; i++)
                {
                    for (int j = 0; j < k; j++, r++)
                    {
                        Offsets[r] = (c * PaddedHeight * PaddedWidth) + (i * PaddedWidth) + j;
                    }
                }
            }

            // The last tap reads Pixels elements past its offset, and the pooled kernel whole vectors of
            // column pairs (up to 2·16 past the last pair's start): keep them inside the buffer.
            SourceLength = Math.Max(PaddedLength, Offsets[^1] + Math.Max(Pixels, ((g.OutHeight - 1) * PaddedWidth) + (2 * RoundUp(Math.Max(1, g.OutWidth / 2)))));
        }
        else
        {
            RowStride = g.OutWidth;
            Pixels = RoundUp(g.OutHeight * g.OutWidth);
            for (int r = 0; r < Offsets.Length; r++)
            {
                Offsets[r] = r * Pixels;
            }

            SourceLength = PaddedLength;
            ColumnsLength = Offsets.Length * Pixels;
        }
    }

    public ConvGeometry Geometry { get; }

    public int PaddedHeight { get; }

    public int PaddedWidth { get; }

    /// <summary>C·Hp·Wp: the padded input planes.</summary>
    public int PaddedLength { get; }

    /// <summary>The padded input buffer's length, including the slack the stride-1 GEMM reads past the planes.</summary>
    public int SourceLength { get; }

    /// <summary>The im2col buffer's length; 0 for stride 1, which needs none.</summary>
    public int ColumnsLength { get; }

    /// <summary>True when the taps go through an im2col buffer (stride &gt; 1).</summary>
    public bool UsesColumns => ColumnsLength > 0;

    /// <summary>Output pixels computed per channel: a multiple of <see cref="PixelAlign"/>.</summary>
    public int Pixels { get; }

    /// <summary>Distance between output rows in the computed pixel grid: Wp for stride 1, OW otherwise.</summary>
    public int RowStride { get; }

    /// <summary>Where tap r = (c, i, j) starts in the GEMM's source buffer.</summary>
    public int[] Offsets { get; }

    /// <summary>Length of the GEMM's output buffer: [OutChannels, Pixels].</summary>
    public int OutputLength => Geometry.OutChannels * Pixels;

    private static int RoundUp(int n) => (n + PixelAlign - 1) / PixelAlign * PixelAlign;
}
