using System.Diagnostics;

namespace LeNet.Kernels;

/// <summary>
/// The weights of <see cref="ConvGemmKernel"/>, packed once when a stage is built: panels of
/// <see cref="PanelChannels"/> output channels, each panel tap-major ([R][MR]: the MR weights one tap
/// contributes to the panel's channels are adjacent), so the micro-kernel reads one contiguous stream of
/// broadcasts. Channels past O in the last panel are zero and compute rows that are never read.
/// </summary>
internal static class ConvGemmPacking
{
    /// <summary>MR: output channels per panel, the rows of every register block (6 × 2 vectors of accumulators at 256 bits and below, 6 × 4 at 512 bits).</summary>
    public const int PanelChannels = 6;

    /// <summary>Output channels rounded up to whole panels.</summary>
    public static int PaddedChannels(int channels) => (channels + PanelChannels - 1) / PanelChannels * PanelChannels;

    /// <summary>weight [O, R] (PyTorch's [O, C, k, k] with R = C·k·k) → packed [⌈O/MR⌉, R, MR], zero past O.</summary>
    public static float[] PackWeights(ReadOnlySpan<float> weight, int channels, int taps)
    {
        Debug.Assert(weight.Length == channels * taps);
        var packed = new float[PaddedChannels(channels) * taps];
        for (int o = 0; o < channels; o++)
        {
            int panel = o / PanelChannels, m = o % PanelChannels;
            int start = panel * taps * PanelChannels;
            for (int r = 0; r < taps; r++)
            {
                packed[start + (r * PanelChannels) + m] = weight[(o * taps) + r];
            }
        }

        return packed;
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
