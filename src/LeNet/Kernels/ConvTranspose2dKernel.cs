using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// ConvTranspose2d over NCHW arrays, the adjoint of <see cref="GroupedConv2dKernel"/>: per image and group,
/// col_g = W_gᵀ · X_g then col2im into the output (<see cref="ConvWindow.Col2Im"/>), with the vectorized
/// <see cref="Gemm"/> products. input [N, C, H, W], weight [C, O/G, KH, KW], bias [O] → output [N, O, OH, OW].
/// The <see cref="ConvWindow"/> describes the output side (its image) and the input side (its columns).
/// </summary>
/// <remarks>Chunks of <see cref="ImagesPerChunk"/> images, parameter gradients summed per chunk then in chunk order: bit-identical whatever the thread count.</remarks>
internal static class ConvTranspose2dKernel
{
    public const int ImagesPerChunk = 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(float[] input, float[] weight, float[]? bias, float[] output, ConvWindow w, int inChannels)
    {
        int groupIn = inChannels / w.Groups, taps = w.Taps, plane = w.OutPlane;
        int chunks = (w.Batch + ImagesPerChunk - 1) / ImagesPerChunk;
        Parallelism.For(chunks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
        {
            var col = new float[taps * plane];
            int end = Math.Min(w.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                Span<float> image = output.AsSpan(n * w.Channels * w.Plane, w.Channels * w.Plane);
                image.Clear();
                for (int g = 0; g < w.Groups; g++)
                {
                    // col[q, p] = Σ_c W[c, q] · X[c, p] over the group's input channels c.
                    ReadOnlySpan<float> x = input.AsSpan(((n * inChannels) + (g * groupIn)) * plane, groupIn * plane);
                    Gemm.AddProducts(weight.AsSpan(g * groupIn * taps, groupIn * taps), 1, taps, x, col, taps, groupIn, plane, accumulate: false);
                    w.Col2Im(col, image[(g * w.GroupChannels * w.Plane)..]);
                }

                if (bias is not null)
                {
                    for (int o = 0; o < w.Channels; o++)
                    {
                        Span<float> row = image.Slice(o * w.Plane, w.Plane);
                        TensorPrimitives.Add(row, bias[o], row);
                    }
                }
            }
        });
    }

    /// <summary>dX_g = W_g · im2col(dY_g) (overwritten, when <paramref name="inGrad"/> is given); dW_g += X_g · im2col(dY_g)ᵀ; dB += Σ dY.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad, ConvWindow w, int inChannels)
    {
        int groupIn = inChannels / w.Groups, taps = w.Taps, plane = w.OutPlane;
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
            float[] db = partialBias[chunk] = new float[w.Channels];
            var col = new float[taps * plane];
            int end = Math.Min(w.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                ReadOnlySpan<float> dyImage = outGrad.AsSpan(n * w.Channels * w.Plane, w.Channels * w.Plane);
                for (int o = 0; o < w.Channels; o++)
                {
                    db[o] += TensorPrimitives.Sum(dyImage.Slice(o * w.Plane, w.Plane));
                }

                for (int g = 0; g < w.Groups; g++)
                {
                    w.Im2Col(dyImage[(g * w.GroupChannels * w.Plane)..], col);
                    ReadOnlySpan<float> x = input.AsSpan(((n * inChannels) + (g * groupIn)) * plane, groupIn * plane);
                    // dW[c, q] += Σ_p X[c, p] · col[q, p]   (forward: col[q, p] = Σ_c W[c, q] · X[c, p])
                    Gemm.AddDotProducts(x, plane, col, tapStarts, dw.AsSpan(g * groupIn * taps, groupIn * taps), groupIn, taps, plane);
                    if (inGrad is not null)
                    {
                        // dX[c, p] = Σ_q W[c, q] · col[q, p].
                        Gemm.AddProducts(weight.AsSpan(g * groupIn * taps, groupIn * taps), taps, 1, col, inGrad.AsSpan(((n * inChannels) + (g * groupIn)) * plane, groupIn * plane), groupIn, taps, plane, accumulate: false);
                    }
                }
            }
        });

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
