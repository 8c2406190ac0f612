using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Adaptive average pooling over planes [Planes, H, W] → [Planes, OH, OW] with PyTorch's windows: output
/// row i averages input rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉), likewise columns (windows may overlap when the
/// sizes do not divide). Rows of a window are contiguous runs, summed with <see cref="TensorPrimitives"/>.
/// Planes are independent; ranges of planes run in parallel, so results do not depend on the thread count.
/// </summary>
internal static class AdaptivePoolKernel
{
    private const int PlanesPerRange = 64;

    /// <summary>The window [start, end) of output index <paramref name="i"/> of <paramref name="outSize"/> over <paramref name="inSize"/>.</summary>
    public static (int Start, int End) Range(int i, int inSize, int outSize) =>
        ((int)((long)i * inSize / outSize), (int)((((long)(i + 1) * inSize) + outSize - 1) / outSize));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float[] input, float[] output, int planes, int height, int width, int outHeight, int outWidth)
    {
        Parallelism.ForRanges(planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                ReadOnlySpan<float> x = input.AsSpan(plane * height * width, height * width);
                int o = plane * outHeight * outWidth;
                for (int i = 0; i < outHeight; i++)
                {
                    (int y0, int y1) = Range(i, height, outHeight);
                    for (int j = 0; j < outWidth; j++, o++)
                    {
                        (int x0, int x1) = Range(j, width, outWidth);
                        float sum = 0;
                        for (int y = y0; y < y1; y++)
                        {
                            sum += TensorPrimitives.Sum(x.Slice((y * width) + x0, x1 - x0));
                        }

                        output[o] = sum / ((y1 - y0) * (x1 - x0));
                    }
                }
            }
        });
    }

    /// <summary>dx[window] += dy / window size (dx overwritten first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float[] outGrad, float[] inGrad, int planes, int height, int width, int outHeight, int outWidth)
    {
        Parallelism.ForRanges(planes, PlanesPerRange, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (start, count) =>
        {
            for (int plane = start; plane < start + count; plane++)
            {
                Span<float> dx = inGrad.AsSpan(plane * height * width, height * width);
                dx.Clear();
                int o = plane * outHeight * outWidth;
                for (int i = 0; i < outHeight; i++)
                {
                    (int y0, int y1) = Range(i, height, outHeight);
                    for (int j = 0; j < outWidth; j++, o++)
                    {
                        (int x0, int x1) = Range(j, width, outWidth);
                        float share = outGrad[o] / ((y1 - y0) * (x1 - x0));
                        for (int y = y0; y < y1; y++)
                        {
                            Span<float> run = dx.Slice((y * width) + x0, x1 - x0);
                            TensorPrimitives.Add(run, share, run);
                        }
                    }
                }
            }
        });
    }
}
