using System.Buffers;
using System.Runtime.CompilerServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// 2-D convolution over NCHW spans (cross-correlation, as in PyTorch), vectorized by
/// <see cref="ConvImageKernel"/> and run on up to <see cref="Parallelism.MaxDegreeOfParallelism"/>
/// threads, one image per chunk (so each image's arithmetic is the same whatever the thread count).
/// input [N,C,H,W], weight [O,C,K,K], bias [O] or empty; output [N,O,OH,OW].
/// </summary>
internal static class Conv2dKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g) =>
        Forward(input, weight, bias, output, g, SimdSupport.Best);

    /// <summary>As <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvGeometry)"/>, at a given vector width (tests run every width).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g, SimdWidth width)
    {
        g.AssertSpans(input.Length, weight.Length, output.Length);
        var plan = new ConvImagePlan(g);

        // The spans are pinned for the whole (blocking) call, so the worker threads can read them through pointers.
        fixed (float* pInput = input, pWeight = weight, pBias = bias, pOutput = output)
        {
            var job = new Job(plan, width, pInput, pWeight, weight.Length, pBias, bias.Length, pOutput);
            Parallelism.For(g.Batch, job.Image);
        }
    }

    /// <summary>One image [C,H,W] → [O,OH,OW]: pad, im2col when strided, GEMM, copy the valid pixels out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Image(
        ReadOnlySpan<float> image, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        ConvImagePlan plan, SimdWidth width, Span<float> padded, Span<float> columns, Span<float> gemm)
    {
        ConvGeometry g = plan.Geometry;
        ConvImageKernel.Pad(image, padded, plan);
        ReadOnlySpan<float> source = padded;
        if (plan.UsesColumns)
        {
            ConvImageKernel.Im2Col(padded, columns, plan);
            source = columns;
        }

        ConvImageKernel.Gemm<NoActivation>(width, weight, bias, plan.Offsets, source, gemm, plan.Pixels);
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int y = 0; y < g.OutHeight; y++)
            {
                gemm.Slice((o * plan.Pixels) + (y * plan.RowStride), g.OutWidth)
                    .CopyTo(output.Slice((((o * g.OutHeight) + y) * g.OutWidth), g.OutWidth));
            }
        }
    }

    /// <summary>The pinned operands of one call and the per-image work, for <see cref="Parallelism.For"/>.</summary>
    private sealed unsafe class Job(ConvImagePlan plan, SimdWidth width, float* input, float* weight, int weightLength, float* bias, int biasLength, float* output)
    {
        public void Image(int n)
        {
            ConvGeometry g = plan.Geometry;
            int inLength = g.InChannels * g.InPlane;
            int outLength = g.OutChannels * g.OutPlane;
            float[] padded = ArrayPool<float>.Shared.Rent(plan.SourceLength);
            float[] columns = ArrayPool<float>.Shared.Rent(plan.ColumnsLength);
            float[] gemm = ArrayPool<float>.Shared.Rent(plan.OutputLength);
            try
            {
                Conv2dKernel.Image(
                    new ReadOnlySpan<float>(input + ((long)n * inLength), inLength),
                    new ReadOnlySpan<float>(weight, weightLength),
                    new ReadOnlySpan<float>(bias, biasLength),
                    new Span<float>(output + ((long)n * outLength), outLength),
                    plan, width, padded, columns, gemm);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(gemm);
                ArrayPool<float>.Shared.Return(columns);
                ArrayPool<float>.Shared.Return(padded);
            }
        }
    }
}
