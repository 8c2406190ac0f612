namespace LeNet.Kernels;

/// <summary>
/// How <see cref="ConvStemKernel"/> lays out a strided convolution on few input channels (a network's stem:
/// squeezenet's 3×3/2, resnet's 7×7/2, mobilenet_v2's 3×3/2, all on 3 channels): each padded input row split
/// into its <c>s</c> column phases, so that every tap of a row of outputs is one contiguous run of the
/// phase-split buffer and the kernel vectorizes over output pixels with no im2col.
/// </summary>
/// <remarks>
/// Phase q of padded row r of channel c holds columns q, q + s, q + 2s … of that row, at
/// <c>((c·Hp + r)·s + q)·L</c>. Output pixel (y, x) needs input column x·s + j of row y·s + i: column
/// x + j / s of phase j mod s. Tap r = (c, i, j) of output row y therefore starts at
/// <c>y·RowStride + Offsets[r]</c> and runs over x, RowStride = s·s·L. L leaves room for the last vector of
/// an output row (its lanes past the row are computed from the zeros of the slack and thrown away).
/// </remarks>
internal sealed class ConvStemPlan
{
    /// <summary>
    /// Input channels up to which the direct kernel is used: with 3 channels an im2col copies each input
    /// pixel k·k / s² times (2.25× for squeezenet's stem, 12× for resnet's) and the GEMM's K is only C·k·k
    /// (27, 147); the phase split copies it once.
    /// </summary>
    public const int MaxInChannels = 4;

    public ConvStemPlan(in ConvGeometry g)
    {
        Geometry = g;
        int s = g.Stride;
        PaddedHeight = g.Height + (2 * g.Padding);
        PaddedWidth = g.Width + (2 * g.Padding);
        int vectorWidth = (g.OutWidth + ConvImagePlan.PixelAlign - 1) / ConvImagePlan.PixelAlign * ConvImagePlan.PixelAlign;
        PhaseLength = Math.Max((PaddedWidth + s - 1) / s, vectorWidth + ((g.Kernel - 1) / s));
        RowStride = s * s * PhaseLength;
        PhasesLength = g.InChannels * PaddedHeight * s * PhaseLength;
        int k = g.Kernel;
        Offsets = new int[g.InChannels * k * k];
        for (int c = 0, r = 0; c < g.InChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++, r++)
                {
                    Offsets[r] = ((((c * PaddedHeight) + i) * s) + (j % s)) * PhaseLength + (j / s);
                }
            }
        }
    }

    /// <summary>Whether a convolution of this geometry runs on <see cref="ConvStemKernel"/>: stride 2 or more on at most <see cref="MaxInChannels"/> channels.</summary>
    public static bool Suits(in ConvGeometry g) => g.Stride >= 2 && g.InChannels <= MaxInChannels && g.Kernel >= g.Stride;

    public ConvGeometry Geometry { get; }

    public int PaddedHeight { get; }

    public int PaddedWidth { get; }

    /// <summary>L: floats per phase of a row, a multiple-of-16 output row plus the taps' reach past it.</summary>
    public int PhaseLength { get; }

    /// <summary>Distance in the phase buffer between the taps of consecutive output rows: s·s·L.</summary>
    public int RowStride { get; }

    /// <summary>The phase-split buffer's length: C·Hp·s·L.</summary>
    public int PhasesLength { get; }

    /// <summary>Where tap r = (c, i, j) of output row 0 starts in the phase buffer.</summary>
    public int[] Offsets { get; }
}
