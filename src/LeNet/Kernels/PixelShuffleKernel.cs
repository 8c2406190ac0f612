using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Pixel shuffle [batch, C·r², H, W] ↔ [batch, C, H·r, W·r]: out[b, c, h·r + i, w·r + j] = in[b, c·r² + i·r + j, h, w].
/// A pure permutation, so the backward (<see cref="Unshuffle"/>) is the inverse gather.
/// </summary>
internal static class PixelShuffleKernel
{
    public static void Shuffle(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int r, int h, int w) =>
        Permute(x, y, batch, channels, r, h, w, toShuffled: true);

    public static void Unshuffle(ReadOnlySpan<float> dy, Span<float> dx, int batch, int channels, int r, int h, int w) =>
        Permute(dy, dx, batch, channels, r, h, w, toShuffled: false);

    /// <summary>Walks the input's planes (c, i, j) and rows h; each input row of W values lands every r-th value of one output row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Permute(ReadOnlySpan<float> from, Span<float> to, int batch, int channels, int r, int h, int w, bool toShuffled)
    {
        Debug.Assert(from.Length == batch * channels * r * r * h * w && to.Length == from.Length);
        int outW = w * r, plane = h * w;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int i = 0; i < r; i++)
                {
                    for (int j = 0; j < r; j++)
                    {
                        int packed = ((((b * channels) + c) * r * r) + (i * r) + j) * plane;
                        for (int row = 0; row < h; row++)
                        {
                            int shuffled = ((((b * channels) + c) * h * r) + (row * r) + i) * outW + j;
                            for (int col = 0; col < w; col++)
                            {
                                if (toShuffled)
                                {
                                    to[shuffled + (col * r)] = from[packed + (row * w) + col];
                                }
                                else
                                {
                                    to[packed + (row * w) + col] = from[shuffled + (col * r)];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
