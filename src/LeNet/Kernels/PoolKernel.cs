using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Pooling over NCHW spans without padding: input [N,C,H,W] → output [N,C,OH,OW]; the geometry's
/// InChannels is C (= OutChannels). One image per chunk on up to
/// <see cref="Parallelism.MaxDegreeOfParallelism"/> threads.
/// </summary>
/// <remarks>
/// Each output row is two vectorized passes: the K input rows are reduced into one row (vectorized
/// over columns, any K), then each window's K columns are reduced (vectorized over output columns:
/// shifted loads for stride 1, an even/odd de-interleave for the common K = stride = 2; a scalar loop
/// for other strides).
/// </remarks>
internal static class PoolKernel
{
    /// <summary>output[p, y, x] = mean of the K×K window at (y·stride, x·stride) of plane p.</summary>
    public static void AverageForward(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry g) =>
        Forward<AveragePool>(input, output, g, SimdSupport.Best);

    /// <summary>output[p, y, x] = max of the K×K window at (y·stride, x·stride) of plane p (NaN propagates, as in PyTorch).</summary>
    public static void MaxForward(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry g) =>
        Forward<MaxPool>(input, output, g, SimdSupport.Best);

    /// <summary>The pooling of <typeparamref name="TPool"/> at a given vector width (tests run every width).</summary>
    public static unsafe void Forward<TPool>(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry g, SimdWidth width)
        where TPool : IPoolReduction
    {
        g.AssertSpans(input.Length, -1, output.Length);
        fixed (float* pInput = input, pOutput = output)
        {
            var job = new Job<TPool>(g, width, pInput, pOutput);
            Parallelism.For(g.Batch, job.Image);
        }
    }

    /// <summary>The scratch row <see cref="Planes{TPool}"/> needs: the input columns the windows touch.</summary>
    public static int RowLength(int kernel, int stride, int outWidth) => ((outWidth - 1) * stride) + kernel;

    /// <summary>
    /// Pools <paramref name="planes"/> planes whose rows and planes lie at the given strides (so the
    /// predictor can read padded rows and write into a padded buffer); <paramref name="row"/> is scratch
    /// of at least <see cref="RowLength"/> floats.
    /// </summary>
    public static void Planes<TPool>(
        SimdWidth width, ReadOnlySpan<float> input, int inRowStride, int inPlaneStride,
        Span<float> output, int outRowStride, int outPlaneStride,
        int planes, int kernel, int stride, int outHeight, int outWidth, Span<float> row)
        where TPool : IPoolReduction
    {
        Debug.Assert(row.Length >= RowLength(kernel, stride, outWidth));
        Debug.Assert(input.Length >= ((planes - 1) * inPlaneStride) + ((((outHeight - 1) * stride) + kernel - 1) * inRowStride) + RowLength(kernel, stride, outWidth));
        Debug.Assert(output.Length >= ((planes - 1) * outPlaneStride) + ((outHeight - 1) * outRowStride) + outWidth);
        switch (width)
        {
            case SimdWidth.Vector512:
                Planes<Vector512Ops, Vector512<float>, TPool>(input, inRowStride, inPlaneStride, output, outRowStride, outPlaneStride, planes, kernel, stride, outHeight, outWidth, row);
                break;
            case SimdWidth.Vector256:
                Planes<Vector256Ops, Vector256<float>, TPool>(input, inRowStride, inPlaneStride, output, outRowStride, outPlaneStride, planes, kernel, stride, outHeight, outWidth, row);
                break;
            case SimdWidth.Vector128:
                Planes<Vector128Ops, Vector128<float>, TPool>(input, inRowStride, inPlaneStride, output, outRowStride, outPlaneStride, planes, kernel, stride, outHeight, outWidth, row);
                break;
            default:
                Planes<ScalarOps, float, TPool>(input, inRowStride, inPlaneStride, output, outRowStride, outPlaneStride, planes, kernel, stride, outHeight, outWidth, row);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Planes<TOps, TVec, TPool>(
        ReadOnlySpan<float> input, int inRowStride, int inPlaneStride,
        Span<float> output, int outRowStride, int outPlaneStride,
        int planes, int k, int s, int outHeight, int outWidth, Span<float> row)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPool : IPoolReduction
    {
        int width = RowLength(k, s, outWidth);
        float scale = 1f / (k * k);
        ref float src = ref MemoryMarshal.GetReference(input);
        ref float dst = ref MemoryMarshal.GetReference(output);
        ref float r = ref MemoryMarshal.GetReference(row);
        for (int p = 0; p < planes; p++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                // Vertical: r[x] = reduce over i of input[y·s + i, x]. LeNet's rows are short (28, 10
                // columns), so the tail steps down the ladder (16, 8, 4 floats) before going scalar.
                ref float top = ref Unsafe.Add(ref src, (p * inPlaneStride) + (y * s * inRowStride));
                int x = Vertical<TOps, TVec, TPool>(ref top, inRowStride, k, ref r, 0, width);
                if (TOps.Count > 8)
                {
                    x = Vertical<Vector256Ops, Vector256<float>, TPool>(ref top, inRowStride, k, ref r, x, width);
                }

                if (TOps.Count > 4)
                {
                    x = Vertical<Vector128Ops, Vector128<float>, TPool>(ref top, inRowStride, k, ref r, x, width);
                }

                for (; x < width; x++)
                {
                    float acc = Unsafe.Add(ref top, x);
                    for (int i = 1; i < k; i++)
                    {
                        acc = TPool.Combine<ScalarOps, float>(acc, Unsafe.Add(ref top, (i * inRowStride) + x));
                    }

                    Unsafe.Add(ref r, x) = acc;
                }

                // Horizontal: out[x] = reduce over j of r[x·s + j].
                ref float o = ref Unsafe.Add(ref dst, (p * outPlaneStride) + (y * outRowStride));
                x = Horizontal<TOps, TVec, TPool>(ref r, ref o, k, s, 0, outWidth, scale);
                if (TOps.Count > 8)
                {
                    x = Horizontal<Vector256Ops, Vector256<float>, TPool>(ref r, ref o, k, s, x, outWidth, scale);
                }

                if (TOps.Count > 4)
                {
                    x = Horizontal<Vector128Ops, Vector128<float>, TPool>(ref r, ref o, k, s, x, outWidth, scale);
                }

                for (; x < outWidth; x++)
                {
                    float acc = Unsafe.Add(ref r, x * s);
                    for (int j = 1; j < k; j++)
                    {
                        acc = TPool.Combine<ScalarOps, float>(acc, Unsafe.Add(ref r, (x * s) + j));
                    }

                    Unsafe.Add(ref o, x) = TPool.Averages ? acc * scale : acc;
                }
            }
        }
    }

    /// <summary>The vertical pass over whole vectors of columns from <paramref name="x"/>; returns where it stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Vertical<TOps, TVec, TPool>(ref float top, int inRowStride, int k, ref float r, int x, int width)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPool : IPoolReduction
    {
        for (; x + TOps.Count <= width; x += TOps.Count)
        {
            TVec acc = TOps.Load(ref top, x);
            for (int i = 1; i < k; i++)
            {
                acc = TPool.Combine<TOps, TVec>(acc, TOps.Load(ref top, (i * inRowStride) + x));
            }

            TOps.Store(acc, ref r, x);
        }

        return x;
    }

    /// <summary>
    /// The horizontal pass over whole vectors of output columns from <paramref name="x"/>, for stride 1
    /// (shifted loads) and for K = stride = 2 (even/odd de-interleave); returns where it stopped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Horizontal<TOps, TVec, TPool>(ref float r, ref float o, int k, int s, int x, int outWidth, float scale)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPool : IPoolReduction
    {
        int vl = TOps.Count;
        TVec vscale = TOps.Create(scale);
        if (s == 1)
        {
            for (; x + vl <= outWidth; x += vl)
            {
                TVec acc = TOps.Load(ref r, x);
                for (int j = 1; j < k; j++)
                {
                    acc = TPool.Combine<TOps, TVec>(acc, TOps.Load(ref r, x + j));
                }

                TOps.Store(TPool.Averages ? TOps.Multiply(acc, vscale) : acc, ref o, x);
            }
        }
        else if (s == 2 && k == 2)
        {
            for (; x + vl <= outWidth; x += vl)
            {
                TVec a = TOps.Load(ref r, 2 * x);
                TVec b = TOps.Load(ref r, (2 * x) + vl);
                TVec acc = TPool.Combine<TOps, TVec>(TOps.Evens(a, b), TOps.Odds(a, b));
                TOps.Store(TPool.Averages ? TOps.Multiply(acc, vscale) : acc, ref o, x);
            }
        }

        return x;
    }

    /// <summary>The pinned operands of one call and the per-image work, for <see cref="Parallelism.For"/>.</summary>
    private sealed unsafe class Job<TPool>(ConvGeometry g, SimdWidth width, float* input, float* output)
        where TPool : IPoolReduction
    {
        public void Image(int n)
        {
            int inLength = g.InChannels * g.InPlane;
            int outLength = g.InChannels * g.OutPlane;
            float[] row = ArrayPool<float>.Shared.Rent(RowLength(g.Kernel, g.Stride, g.OutWidth));
            try
            {
                Planes<TPool>(
                    width, new ReadOnlySpan<float>(input + ((long)n * inLength), inLength), g.Width, g.InPlane,
                    new Span<float>(output + ((long)n * outLength), outLength), g.OutWidth, g.OutPlane,
                    g.InChannels, g.Kernel, g.Stride, g.OutHeight, g.OutWidth, row);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(row);
            }
        }
    }
}
