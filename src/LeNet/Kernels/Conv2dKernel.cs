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
    /// <summary>Output channels from which <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvGeometry, SimdWidth)"/> runs <see cref="ConvGemmKernel"/> on packed weights.</summary>
    public const int PackedFromChannels = 4;

    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g) =>
        Forward(input, weight, bias, output, g, SimdSupport.Best);

    /// <summary>As <see cref="Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, in ConvGeometry)"/>, at a given vector width (tests run every width).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g, SimdWidth width)
    {
        g.AssertSpans(input.Length, weight.Length, output.Length);
        var plan = new ConvImagePlan(g);

        // From 4 output channels on, the weights are packed once per call for the 6-channel register blocks of
        // ConvGemmKernel (3× the FMAs per pixel load of ConvImageKernel's 2-channel blocks); both sum bias + taps
        // in order 0..R−1, one FMA each, so the two give the same bits.
        float[]? packed = g.OutChannels >= PackedFromChannels ? ConvGemmPacking.PackWeights(weight, g.OutChannels, plan.Offsets.Length) : null;
        ReadOnlySpan<float> kernelWeight = packed ?? weight;
        ReadOnlySpan<float> kernelBias = packed is null ? bias : ConvGemmPacking.PackBias(bias, g.OutChannels);

        // The spans are pinned for the whole (blocking) call, so the worker threads can read them through pointers.
        fixed (float* pInput = input, pWeight = kernelWeight, pBias = kernelBias, pOutput = output)
        {
            var job = new Job(plan, width, pInput, pWeight, kernelWeight.Length, pBias, kernelBias.Length, pOutput, packed is not null);
            Parallelism.For(g.Batch, job.Image);
        }
    }

    /// <summary>
    /// One image [C,H,W] → [O,OH,OW]: pad, im2col when strided, GEMM, copy the valid pixels out. With
    /// <paramref name="packed"/>, weight and bias are <see cref="ConvGemmPacking"/>'s and gemm holds
    /// <see cref="ConvGemmKernel.OutputLength"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Image(
        ReadOnlySpan<float> image, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
        ConvImagePlan plan, SimdWidth width, Span<float> padded, Span<float> columns, Span<float> gemm, bool packed)
    {
        ConvGeometry g = plan.Geometry;
        ConvImageKernel.Pad(image, padded, plan);
        ReadOnlySpan<float> source = padded;
        if (plan.UsesColumns)
        {
            ConvImageKernel.Im2Col(padded, columns, plan);
            source = columns;
        }

        if (packed)
        {
            ConvGemmKernel.Run<NoActivation>(width, weight, bias, plan.Offsets, source, gemm, plan.Pixels, 0, 1);
        }
        else
        {
            ConvImageKernel.Gemm<NoActivation>(width, weight, bias, plan.Offsets, source, gemm, plan.Pixels);
        }

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
    private sealed unsafe class Job(ConvImagePlan plan, SimdWidth width, float* input, float* weight, int weightLength, float* bias, int biasLength, float* output, bool packed)
    {
        public void Image(int n)
        {
            ConvGeometry g = plan.Geometry;
            int inLength = g.InChannels * g.InPlane;
            int outLength = g.OutChannels * g.OutPlane;
            float[] padded = ArrayPool<float>.Shared.Rent(plan.SourceLength);
            float[] columns = ArrayPool<float>.Shared.Rent(plan.ColumnsLength);
            float[] gemm = ArrayPool<float>.Shared.Rent(packed ? ConvGemmKernel.OutputLength(g.OutChannels, plan.Pixels) : plan.OutputLength);
            try
            {
                Conv2dKernel.Image(
                    new ReadOnlySpan<float>(input + ((long)n * inLength), inLength),
                    new ReadOnlySpan<float>(weight, weightLength),
                    new ReadOnlySpan<float>(bias, biasLength),
                    new Span<float>(output + ((long)n * outLength), outLength),
                    plan, width, padded, columns, gemm, packed);
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
