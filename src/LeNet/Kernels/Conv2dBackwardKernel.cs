using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Conv2d's backward pass over NCHW arrays: dW by <see cref="ConvWeightGradientKernel"/> (outer products over the
/// zero-padded input, vectorized over output channels), dX at stride 1 as the forward convolution of dY with the
/// transposed, flipped filters (<see cref="Conv2dKernel"/>), at other strides through dcol = Wᵀ·dY and col2im.
/// input [N,C,H,W], weight [O,C,K,K], outGrad [N,O,OH,OW] → inGrad [N,C,H,W] (optional),
/// weightGrad [O,C,K,K] and biasGrad [O] (optional), both accumulated.
/// </summary>
/// <remarks>
/// The batch is cut into chunks of <see cref="ImagesPerChunk"/> images that run in parallel, each
/// summing its parameter gradients into a buffer of its own; the buffers are then added in chunk order.
/// The chunks depend only on N, so the result is bit-identical whatever the thread count.
/// </remarks>
internal static class Conv2dBackwardKernel
{
    public const int ImagesPerChunk = 16;

    public static void Backward(
        float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad,
        ConvGeometry g, ConvBackwardWorkspace workspace) =>
        Backward(input, weight, outGrad, inGrad, weightGrad, biasGrad, g, workspace, SimdSupport.Best);

    /// <summary>As <see cref="Backward(float[], float[], float[], float[], float[], float[], ConvGeometry, ConvBackwardWorkspace)"/>, at a given vector width (tests run every width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad,
        ConvGeometry g, ConvBackwardWorkspace workspace, SimdWidth width)
    {
        g.AssertSpans(input.Length, weight.Length, outGrad.Length);
        Debug.Assert(inGrad is null || inGrad.Length == input.Length);
        int chunks = (g.Batch + ImagesPerChunk - 1) / ImagesPerChunk;
        int taps = g.InChannels * g.Kernel * g.Kernel;

        // Stride 1 with padding p ≤ K − 1: dX is the forward convolution of dY, padded by K − 1 − p, with the
        // filters transposed and flipped (dX[c, y, x] = Σ_o Σ_ij W[o, c, i, j] · dY[o, y + p − i, x + p − j]), run
        // by the forward kernel after the chunks. Otherwise dcol = Wᵀ·dY and col2im, inside the chunks.
        bool transposedForward = inGrad is not null && g.Stride == 1 && g.Padding <= g.Kernel - 1;
        bool columnGradient = inGrad is not null && !transposedForward;
        int lanes = ((g.OutChannels + (int)width - 1) / (int)width) * (int)width;
        workspace.Ensure(chunks, g, lanes, columnGradient);
        int paddedWidth = g.Width + (2 * g.Padding);

        // The general convolution's col2im (one implementation of it) for the input gradient of other strides.
        var window = new ConvWindow(
            g.Batch, g.InChannels, g.Height, g.Width, 1, g.Kernel, g.Kernel, g.Stride, g.Stride,
            g.Padding, g.Padding, 1, 1, g.OutHeight, g.OutWidth);

        Parallelism.For(chunks, chunk =>
        {
            Span<float> partialWeight = workspace.WeightGrad[chunk];
            Span<float> partialBias = workspace.BiasGrad[chunk];
            Span<float> padded = workspace.Padded[chunk];
            Span<float> dyT = workspace.TransposedGrad[chunk];
            partialWeight.Clear();
            partialBias.Clear();
            int end = Math.Min(g.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                ReadOnlySpan<float> x = input.AsSpan(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane);
                ReadOnlySpan<float> dy = outGrad.AsSpan(n * g.OutChannels * g.OutPlane, g.OutChannels * g.OutPlane);

                // dW[o, q] += Σ_p dY[o, p] · col[q, p]   (forward: Y[o, p] = Σ_q W[o, q] · col[q, p] + b[o]), with
                // col read in place from the zero-padded image and the sum kept transposed, [q, o].
                ConvImageKernel.CopyInterior(x, padded, g.InChannels, g.Height, g.Width, g.Padding);
                ConvWeightGradientKernel.Transpose(dy, dyT, g.OutChannels, g.OutPlane, lanes);
                ConvWeightGradientKernel.Accumulate(
                    padded, dyT, workspace.TapStarts, partialWeight, lanes, g.OutHeight, g.OutWidth, g.Stride * paddedWidth, g.Stride, width);
                for (int o = 0; o < g.OutChannels; o++)
                {
                    partialBias[o] += TensorPrimitives.Sum(dy.Slice(o * g.OutPlane, g.OutPlane));
                }

                if (columnGradient)
                {
                    // dcol[q, p] = Σ_o W[o, q] · dY[o, p] (overwritten), then each entry goes back to the pixel it came from.
                    Span<float> dx = inGrad!.AsSpan(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane);
                    Span<float> colGrad = workspace.ColumnGrad[chunk];
                    Gemm.AddProducts(weight, 1, taps, dy, colGrad, taps, g.OutChannels, g.OutPlane, accumulate: false, width);
                    dx.Clear();
                    window.Col2Im(colGrad, dx);
                }
            }
        });

        // Fixed order: chunk 0, 1, 2, … whatever thread computed them; the chunks' sums are [q, o], the gradient [o, q].
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            float[] partial = workspace.WeightGrad[chunk];
            for (int o = 0; o < g.OutChannels; o++)
            {
                Span<float> row = weightGrad.AsSpan(o * taps, taps);
                for (int q = 0; q < taps; q++)
                {
                    row[q] += partial[(q * lanes) + o];
                }
            }

            if (biasGrad is not null)
            {
                TensorPrimitives.Add(biasGrad, workspace.BiasGrad[chunk], biasGrad);
            }
        }

        if (transposedForward)
        {
            float[] flipped = workspace.FlippedWeight;
            int k = g.Kernel, kk = k * k;
            for (int o = 0; o < g.OutChannels; o++)
            {
                for (int c = 0; c < g.InChannels; c++)
                {
                    ReadOnlySpan<float> filter = weight.AsSpan(((o * g.InChannels) + c) * kk, kk);
                    Span<float> target = flipped.AsSpan(((c * g.OutChannels) + o) * kk, kk);
                    for (int t = 0; t < kk; t++)
                    {
                        target[kk - 1 - t] = filter[t];
                    }
                }
            }

            var transposed = new ConvGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, k, 1, k - 1 - g.Padding, g.Height, g.Width);
            Conv2dKernel.Forward(outGrad, flipped, default, inGrad!, transposed, width);
        }
    }
}
