using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Conv2d's backward pass over NCHW arrays, by the two <see cref="Gemm"/> products: dW as dot products
/// of the output gradient with shifted runs of the input, dX through dcol = Wᵀ·dY and col2im.
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(
        float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad,
        ConvGeometry g, ConvBackwardWorkspace workspace)
    {
        g.AssertSpans(input.Length, weight.Length, outGrad.Length);
        Debug.Assert(inGrad is null || inGrad.Length == input.Length);
        int chunks = (g.Batch + ImagesPerChunk - 1) / ImagesPerChunk;
        int taps = g.InChannels * g.Kernel * g.Kernel;
        workspace.Ensure(chunks, g);
        bool wide = g.Stride == 1;
        int wideRow = g.Width + (2 * g.Padding);

        // Other strides use the general convolution's im2col and col2im (one implementation of each).
        var window = new ConvWindow(
            g.Batch, g.InChannels, g.Height, g.Width, 1, g.Kernel, g.Kernel, g.Stride, g.Stride,
            g.Padding, g.Padding, 1, 1, g.OutHeight, g.OutWidth);

        Parallelism.For(chunks, chunk =>
        {
            Span<float> partialWeight = workspace.WeightGrad[chunk];
            Span<float> partialBias = workspace.BiasGrad[chunk];
            Span<float> col = workspace.Columns[chunk];
            Span<float> wideGrad = workspace.WideGrad[chunk];
            Span<float> colGrad = workspace.ColumnGrad[chunk];
            partialWeight.Clear();
            partialBias.Clear();
            int end = Math.Min(g.Batch, (chunk + 1) * ImagesPerChunk);
            for (int n = chunk * ImagesPerChunk; n < end; n++)
            {
                ReadOnlySpan<float> x = input.AsSpan(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane);
                ReadOnlySpan<float> dy = outGrad.AsSpan(n * g.OutChannels * g.OutPlane, g.OutChannels * g.OutPlane);
                // dW[o, q] += Σ_p dY[o, p] · col[q, p]   (forward: Y[o, p] = Σ_q W[o, q] · col[q, p] + b[o])
                if (wide)
                {
                    // Stride 1 needs no im2col: with the input zero-padded to rows of W+2p and dY's rows widened
                    // to the same length (extra columns 0), tap (c, i, j)'s column is one contiguous run of the
                    // padded image starting at (i, j); the widened columns multiply by 0.
                    ConvImageKernel.CopyInterior(x, col, g.InChannels, g.Height, g.Width, g.Padding);
                    Widen(dy, wideGrad, g.OutChannels, g.OutHeight, g.OutWidth, wideRow);
                    Gemm.AddDotProducts(wideGrad, g.OutHeight * wideRow, col, workspace.TapStarts, partialWeight, g.OutChannels, taps, g.OutHeight * wideRow);
                }
                else
                {
                    window.Im2Col(x, col);
                    Gemm.AddDotProducts(dy, g.OutPlane, col, workspace.TapStarts, partialWeight, g.OutChannels, taps, g.OutPlane);
                }
                for (int o = 0; o < g.OutChannels; o++)
                {
                    partialBias[o] += TensorPrimitives.Sum(dy.Slice(o * g.OutPlane, g.OutPlane));
                }

                if (inGrad is not null)
                {
                    Span<float> dx = inGrad.AsSpan(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane);
                    if (wide)
                    {
                        // dcol[q, ·] = Σ_o W[o, q] · dY[o, ·] over the widened rows (their extra columns give 0);
                        // then tap q's row is one contiguous run of the padded gradient, added at the tap's shift:
                        // col2im without per-row pieces, adding the same terms in the same tap order as Col2Im does.
                        int run = g.OutHeight * wideRow;
                        Gemm.AddProducts(weight, 1, taps, wideGrad, colGrad, taps, g.OutChannels, run, accumulate: false);
                        Span<float> padded = workspace.PaddedGrad[chunk];
                        padded.Clear();
                        for (int q = 0; q < taps; q++)
                        {
                            Span<float> target = padded.Slice(workspace.TapStarts[q], run);
                            TensorPrimitives.Add(target, colGrad.Slice(q * run, run), target);
                        }

                        ConvImageKernel.CopyInteriorOut(padded, dx, g.InChannels, g.Height, g.Width, g.Padding);
                    }
                    else
                    {
                        // dcol[q, p] = Σ_o W[o, q] · dY[o, p] (overwritten), then each entry goes back to the pixel it came from.
                        Gemm.AddProducts(weight, 1, taps, dy, colGrad, taps, g.OutChannels, g.OutPlane, accumulate: false);
                        dx.Clear();
                        window.Col2Im(colGrad, dx);
                    }
                }
            }
        });

        // Fixed order: chunk 0, 1, 2, … whatever thread computed them.
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            TensorPrimitives.Add(weightGrad, workspace.WeightGrad[chunk], weightGrad);
            if (biasGrad is not null)
            {
                TensorPrimitives.Add(biasGrad, workspace.BiasGrad[chunk], biasGrad);
            }
        }
    }

    /// <summary>Copies each [OH, OW] plane into rows of <paramref name="wideRow"/>; the extra columns are never written (they stay 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Widen(ReadOnlySpan<float> planes, Span<float> wide, int count, int height, int width, int wideRow)
    {
        for (int o = 0; o < count; o++)
        {
            for (int y = 0; y < height; y++)
            {
                planes.Slice(((o * height) + y) * width, width).CopyTo(wide.Slice(((o * height) + y) * wideRow, width));
            }
        }
    }
}
