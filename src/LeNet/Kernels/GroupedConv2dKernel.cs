using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// The general Conv2d (rectangular kernel, stride, padding; dilation; groups, depthwise included) over
/// NCHW arrays: per image and group, im2col (<see cref="ConvWindow.Im2Col(ReadOnlySpan{float}, Span{float})"/>) and the vectorized
/// <see cref="Gemm"/> products. input [N, C, H, W], weight [O, C/G, KH, KW], bias [O] → output [N, O, OH, OW].
/// </summary>
/// <remarks>
/// The batch is cut into chunks of <see cref="ImagesPerChunk"/> images that run in parallel; the backward
/// pass sums each chunk's parameter gradients into its own buffer and adds the buffers in chunk order,
/// so results are bit-identical whatever the thread count.
/// </remarks>
internal static class GroupedConv2dKernel
{
    public const int ImagesPerChunk = 16;

    /// <summary>Y_g = W_g · col_g (+ bias) for every image n and group g; <paramref name="w"/> describes the input side, <paramref name="outChannels"/> is O.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float[] input, float[] weight, float[]? bias, float[] output, ConvWindow w, int outChannels)
    {
        int groupOut = outChannels / w.Groups, taps = w.Taps, plane = w.OutPlane;
        int chunks = (w.Batch + ImagesPerChunk - 1) / ImagesPerChunk;
        Parallelism.For(chunks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
        {
            var col = new float[taps * plane];
            int end = Math.Min(w.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                for (int g = 0; g < w.Groups; g++)
                {
                    w.Im2Col(input.AsSpan(((n * w.Channels) + (g * w.GroupChannels)) * w.Plane), col);
                    Span<float> y = output.AsSpan(((n * outChannels) + (g * groupOut)) * plane, groupOut * plane);
                    Gemm.AddProducts(weight.AsSpan(g * groupOut * taps, groupOut * taps), taps, 1, col, y, groupOut, taps, plane, accumulate: false);
                    if (bias is not null)
                    {
                        for (int o = 0; o < groupOut; o++)
                        {
                            Span<float> row = y.Slice(o * plane, plane);
                            TensorPrimitives.Add(row, bias[(g * groupOut) + o], row);
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// dW_g += dY_g · col_gᵀ, dB += Σ dY, and (when <paramref name="inGrad"/> is given, overwritten)
    /// dX_g = col2im(W_gᵀ · dY_g).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad, ConvWindow w, int outChannels)
    {
        int groupOut = outChannels / w.Groups, taps = w.Taps, plane = w.OutPlane;
        int chunks = (w.Batch + ImagesPerChunk - 1) / ImagesPerChunk;
        var partialWeight = new float[chunks][];
        var partialBias = new float[chunks][];
        int[] tapStarts = new int[taps];
        for (int q = 0; q < taps; q++)
        {
            tapStarts[q] = q * plane;
        }

        Parallelism.For(chunks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
        {
            float[] dw = partialWeight[chunk] = new float[weight.Length];
            float[] db = partialBias[chunk] = new float[outChannels];
            var col = new float[taps * plane];
            int end = Math.Min(w.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                if (inGrad is not null)
                {
                    inGrad.AsSpan(n * w.Channels * w.Plane, w.Channels * w.Plane).Clear();
                }

                for (int g = 0; g < w.Groups; g++)
                {
                    ReadOnlySpan<float> dy = outGrad.AsSpan(((n * outChannels) + (g * groupOut)) * plane, groupOut * plane);
                    w.Im2Col(input.AsSpan(((n * w.Channels) + (g * w.GroupChannels)) * w.Plane), col);
                    // dW[o, q] += Σ_p dY[o, p] · col[q, p]   (forward: Y[o, p] = Σ_q W[o, q] · col[q, p] + b[o])
                    Gemm.AddDotProducts(dy, plane, col, tapStarts, dw.AsSpan(g * groupOut * taps, groupOut * taps), groupOut, taps, plane);
                    for (int o = 0; o < groupOut; o++)
                    {
                        db[(g * groupOut) + o] += TensorPrimitives.Sum(dy.Slice(o * plane, plane));
                    }

                    if (inGrad is not null)
                    {
                        // dcol[q, p] = Σ_o W[o, q] · dY[o, p], then each entry goes back to the pixel it came from.
                        Gemm.AddProducts(weight.AsSpan(g * groupOut * taps, groupOut * taps), 1, taps, dy, col, taps, groupOut, plane, accumulate: false);
                        w.Col2Im(col, inGrad.AsSpan(((n * w.Channels) + (g * w.GroupChannels)) * w.Plane));
                    }
                }
            }
        });

        // Fixed order: chunk 0, 1, 2, … whatever thread computed them.
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            TensorPrimitives.Add(weightGrad, partialWeight[chunk], weightGrad);
            if (biasGrad is not null)
            {
                TensorPrimitives.Add(biasGrad, partialBias[chunk], biasGrad);
            }
        }
    }
}
