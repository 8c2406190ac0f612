using System.Diagnostics;

namespace LeNet.Kernels;

/// <summary>
/// The weights of <see cref="ConvGemmKernel"/>, packed once when a stage is built: panels of
/// <see cref="PanelChannels"/> output channels, each panel tap-major within a chunk of <see cref="ConvGemmKernel.TapBlock"/>
/// taps (the MR weights one tap contributes to the panel's channels are adjacent), and the chunk's panels one after the
/// other, so the micro-kernel reads one contiguous stream of broadcasts per chunk. Panel-major before (each panel's taps
/// contiguous), a 7×7 map's weights came as 6 KB pieces 110 KB apart (resnet18's 512→512: 2.8× slower at 256 bits).
/// Channels past O in the last panel are zero and compute rows that are never read.
/// </summary>
internal static class ConvGemmPacking
{
    /// <summary>MR: output channels per panel, the rows of every register block (6 × 2 vectors of accumulators at 256 bits and below, 6 × 4 at 512 bits).</summary>
    public const int PanelChannels = 6;

    /// <summary>Output channels rounded up to whole panels.</summary>
    public static int PaddedChannels(int channels) => (channels + PanelChannels - 1) / PanelChannels * PanelChannels;

    /// <summary>weight [O, R] (PyTorch's [O, C, k, k] with R = C·k·k) → packed [R / KC][⌈O/MR⌉][KC][MR] (<see cref="Offset"/>), zero past O.</summary>
    public static float[] PackWeights(ReadOnlySpan<float> weight, int channels, int taps)
    {
        Debug.Assert(weight.Length == channels * taps);
        int panels = PaddedChannels(channels) / PanelChannels;
        var packed = new float[panels * PanelChannels * taps];
        for (int k0 = 0; k0 < taps; k0 += ConvGemmKernel.TapBlock)
        {
            int kc = Math.Min(ConvGemmKernel.TapBlock, taps - k0);
            for (int o = 0; o < channels; o++)
            {
                int at = Offset(o / PanelChannels, k0, panels, taps) + (o % PanelChannels);
                ReadOnlySpan<float> row = weight.Slice((o * taps) + k0, kc);
                for (int r = 0; r < kc; r++)
                {
                    packed[at + (r * PanelChannels)] = row[r];
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// Where tap <paramref name="tap"/>'s <see cref="PanelChannels"/> weights of panel <paramref name="panel"/> start: chunk-major
    /// ([R / KC][panels][KC][MR], KC = <see cref="ConvGemmKernel.TapBlock"/>, the last chunk shorter), so the weights one chunk of
    /// taps meets are one sequential stream across every panel.
    /// </summary>
    public static int Offset(int panel, int tap, int panels, int taps)
    {
        int k0 = tap / ConvGemmKernel.TapBlock * ConvGemmKernel.TapBlock;
        int kc = Math.Min(ConvGemmKernel.TapBlock, taps - k0);
        return ((k0 * panels) + (panel * kc) + (tap - k0)) * PanelChannels;
    }

    /// <summary>bias [O] (or empty for none) → [⌈O/MR⌉·MR], zero past O.</summary>
    public static float[] PackBias(ReadOnlySpan<float> bias, int channels)
    {
        var packed = new float[PaddedChannels(channels)];
        if (!bias.IsEmpty)
        {
            bias[..channels].CopyTo(packed);
        }

        return packed;
    }
}
