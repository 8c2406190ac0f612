using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// The general 2-D pooling over planes of [N·C, H, W] (padding, dilation, ceil mode, PyTorch's divisor
/// rules), one plane at a time: the plain case has its own fused kernels (<see cref="PoolKernel"/>).
/// Window (oy, ox) covers rows oy·sH − pH + i·dH, i in [0, kH) (and likewise columns with kW, sW, pW, dW).
/// </summary>
/// <remarks>
/// Windows are short and strided, so the loops run scalar over each window (rows are contiguous for
/// dilation 1, which the average path reads with <see cref="TensorPrimitives.Sum(ReadOnlySpan{float})"/>).
/// Planes are independent; ranges of planes run in parallel, so results do not depend on the thread count.
/// </remarks>
internal static class PoolWindowKernel
{
    private const int PlanesPerRange = 64;

    /// <summary>
    /// Max pooling: padding counts as −∞ (never chosen); the first largest value wins, a NaN wins over
    /// numbers, as in PyTorch. <paramref name="argmax"/> receives each output's index within its input plane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxForward(float[] input, float[] output, int[] argmax, PoolWindow w)
    {
        Parallelism.ForRanges(w.Planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                ReadOnlySpan<float> x = input.AsSpan(plane * w.Plane, w.Plane);
                int o = plane * w.OutPlane;
                for (int oy = 0; oy < w.OutHeight; oy++)
                {
                    for (int ox = 0; ox < w.OutWidth; ox++, o++)
                    {
                        float best = float.NegativeInfinity;
                        int bestIndex = -1;
                        for (int i = 0; i < w.KernelHeight; i++)
                        {
                            int iy = (oy * w.StrideHeight) - w.PaddingHeight + (i * w.DilationHeight);
                            if ((uint)iy >= (uint)w.Height)
                            {
                                continue;
                            }

                            for (int j = 0; j < w.KernelWidth; j++)
                            {
                                int ix = (ox * w.StrideWidth) - w.PaddingWidth + (j * w.DilationWidth);
                                if ((uint)ix >= (uint)w.Width)
                                {
                                    continue;
                                }

                                float v = x[(iy * w.Width) + ix];
                                if (v > best || float.IsNaN(v) || bestIndex < 0)
                                {
                                    (best, bestIndex) = (v, (iy * w.Width) + ix);
                                    if (float.IsNaN(v))
                                    {
                                        goto Done;
                                    }
                                }
                            }
                        }

                    Done:
                        output[o] = best;
                        argmax[o] = bestIndex;
                    }
                }
            }
        });
    }

    /// <summary>dx[argmax] += dy (dx overwritten first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxBackward(float[] outGrad, int[] argmax, float[] inGrad, PoolWindow w)
    {
        Parallelism.ForRanges(w.Planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                Span<float> dx = inGrad.AsSpan(plane * w.Plane, w.Plane);
                dx.Clear();
                for (int o = plane * w.OutPlane; o < (plane + 1) * w.OutPlane; o++)
                {
                    if (argmax[o] >= 0)
                    {
                        dx[argmax[o]] += outGrad[o];
                    }
                }
            }
        });
    }

    /// <summary>
    /// Average pooling (dilation 1): the sum of the window's pixels inside the input over PyTorch's divisor,
    /// the window clipped to the padded input (countIncludePad) or to the input itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageForward(float[] input, float[] output, PoolWindow w, bool countIncludePad)
    {
        Parallelism.ForRanges(w.Planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                ReadOnlySpan<float> x = input.AsSpan(plane * w.Plane, w.Plane);
                int o = plane * w.OutPlane;
                for (int oy = 0; oy < w.OutHeight; oy++)
                {
                    (int y0, int y1, int rows) = w.ClipRow(oy, countIncludePad);
                    for (int ox = 0; ox < w.OutWidth; ox++, o++)
                    {
                        (int x0, int x1, int columns) = w.ClipColumn(ox, countIncludePad);
                        float sum = 0;
                        for (int iy = y0; iy < y1; iy++)
                        {
                            sum += TensorPrimitives.Sum(x.Slice((iy * w.Width) + x0, x1 - x0));
                        }

                        output[o] = sum / (rows * columns);
                    }
                }
            }
        });
    }

    /// <summary>dx[window pixels inside the input] += dy / divisor (dx overwritten first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(float[] outGrad, float[] inGrad, PoolWindow w, bool countIncludePad)
    {
        Parallelism.ForRanges(w.Planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                Span<float> dx = inGrad.AsSpan(plane * w.Plane, w.Plane);
                dx.Clear();
                int o = plane * w.OutPlane;
                for (int oy = 0; oy < w.OutHeight; oy++)
                {
                    (int y0, int y1, int rows) = w.ClipRow(oy, countIncludePad);
                    for (int ox = 0; ox < w.OutWidth; ox++, o++)
                    {
                        (int x0, int x1, int columns) = w.ClipColumn(ox, countIncludePad);
                        float share = outGrad[o] / (rows * columns);
                        for (int iy = y0; iy < y1; iy++)
                        {
                            Span<float> run = dx.Slice((iy * w.Width) + x0, x1 - x0);
                            TensorPrimitives.Add(run, share, run);
                        }
                    }
                }
            }
        });
    }
}
