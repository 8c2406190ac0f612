using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
namespace LeNet.Kernels;

/// <summary>
/// Pooling backward passes over NCHW spans (no padding): outGrad [N,C,OH,OW] → inGrad [N,C,H,W], which is
/// overwritten. Overlapping windows (stride &lt; kernel) add up.
/// </summary>
internal static class PoolBackwardKernel
{
    /// <summary>Every input of a window receives outGrad / K² (forward: the window's mean).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(ReadOnlySpan<float> outGrad, Span<float> inGrad, in ConvGeometry g)
    {
        g.AssertSpans(inGrad.Length, -1, outGrad.Length);
        int k = g.Kernel;
        float scale = 1f / (k * k);
        if (Tiles(g))
        {
            // Windows tile the plane exactly: every input gets one share, written rather than added.
            for (int p = 0; p < g.Batch * g.InChannels; p++)
            {
                ReadOnlySpan<float> dy = outGrad.Slice(p * g.OutPlane, g.OutPlane);
                Span<float> dx = inGrad.Slice(p * g.InPlane, g.InPlane);
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    ReadOnlySpan<float> dyRow = dy.Slice(oy * g.OutWidth, g.OutWidth);
                    Span<float> first = dx.Slice(oy * k * g.Width, g.Width);

                    // Element stores, not a Fill call per window (LeNet's 2×2 windows: 2 floats each).
                    ref float target = ref MemoryMarshal.GetReference(first);
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        float share = dyRow[ox] * scale;
                        ref float window = ref Unsafe.Add(ref target, ox * k);
                        for (int j = 0; j < k; j++)
                        {
                            Unsafe.Add(ref window, j) = share;
                        }
                    }

                    // The window's other rows repeat the first.
                    for (int i = 1; i < k; i++)
                    {
                        first.CopyTo(dx.Slice(((oy * k) + i) * g.Width, g.Width));
                    }
                }
            }

            return;
        }

        inGrad.Clear();
        for (int p = 0; p < g.Batch * g.InChannels; p++)
        {
            ReadOnlySpan<float> dy = outGrad.Slice(p * g.OutPlane, g.OutPlane);
            Span<float> dx = inGrad.Slice(p * g.InPlane, g.InPlane);
            for (int y = 0; y < g.OutHeight; y++)
            {
                for (int x = 0; x < g.OutWidth; x++)
                {
                    float share = dy[(y * g.OutWidth) + x] * scale;
                    for (int i = 0; i < k; i++)
                    {
                        Span<float> row = dx.Slice((((y * g.Stride) + i) * g.Width) + (x * g.Stride), k);
                        for (int j = 0; j < k; j++)
                        {
                            row[j] += share;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// The whole gradient of a window goes to its maximum (forward: the window's max); on ties, to the
    /// first in row-major order, and a NaN is the maximum — PyTorch's CPU rule.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outGrad, Span<float> inGrad, in ConvGeometry g)
    {
        g.AssertSpans(input.Length, -1, outGrad.Length);
        int k = g.Kernel;
        bool tiles = Tiles(g);
        if (!(tiles && k == 2))
        {
            inGrad.Clear();
        }

        for (int p = 0; p < g.Batch * g.InChannels; p++)
        {
            ReadOnlySpan<float> x = input.Slice(p * g.InPlane, g.InPlane);
            ReadOnlySpan<float> dy = outGrad.Slice(p * g.OutPlane, g.OutPlane);
            Span<float> dx = inGrad.Slice(p * g.InPlane, g.InPlane);
            if (tiles && k == 2)
            {
                MaxBackward2x2(x, dy, dx, g);
                continue;
            }

            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int origin = (oy * g.Stride * g.Width) + (ox * g.Stride);
                    dx[ArgMax(x, origin, g.Width, k)] += dy[(oy * g.OutWidth) + ox];
                }
            }
        }
    }

    /// <summary>Whether the windows tile the input exactly (stride = kernel, sizes multiples of it): each input in one window.</summary>
    private static bool Tiles(in ConvGeometry g) =>
        g.Stride == g.Kernel && g.Height == g.OutHeight * g.Kernel && g.Width == g.OutWidth * g.Kernel;

    /// <summary>
    /// LeNet's pool (2×2, stride 2, tiling the plane) without the general loop: the four candidates compared
    /// in row-major order; all four inputs are written (the gradient or 0), so nothing needs clearing first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MaxBackward2x2(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, in ConvGeometry g)
    {
        int w = g.Width;
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int row = 2 * oy * w;
            for (int ox = 0; ox < g.OutWidth; ox++)
            {
                int at = row + (2 * ox);
                int best = at;
                float max = x[at];
                // Strictly greater keeps the first maximum; a NaN wins at once (PyTorch's rule).
                if (!float.IsNaN(max))
                {
                    foreach (int candidate in (ReadOnlySpan<int>)[at + 1, at + w, at + w + 1])
                    {
                        float v = x[candidate];
                        if (v > max || float.IsNaN(v))
                        {
                            (best, max) = (candidate, v);
                            if (float.IsNaN(v))
                            {
                                break;
                            }
                        }
                    }
                }

                dx[at] = dx[at + 1] = dx[at + w] = dx[at + w + 1] = 0f;
                dx[best] = dy[(oy * g.OutWidth) + ox];
            }
        }
    }

    /// <summary>The plane index of the window's maximum: the first one, or the first NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ArgMax(ReadOnlySpan<float> plane, int origin, int width, int k)
    {
        int best = origin;
        float max = plane[origin];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                int at = origin + (i * width) + j;
                float v = plane[at];
                if (float.IsNaN(v))
                {
                    return at;
                }

                if (v > max)
                {
                    max = v;
                    best = at;
                }
            }
        }

        return best;
    }
}
