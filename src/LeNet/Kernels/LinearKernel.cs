using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Dense layer over row-major spans: input [N, In], weight [Out, In], bias [Out] or empty;
/// output [N, Out] = act(input · weightᵀ + bias). Chunks of <see cref="RowsPerChunk"/> rows run on up to
/// <see cref="Parallelism.MaxDegreeOfParallelism"/> threads.
/// </summary>
/// <remarks>
/// Both operands are contiguous along In, so the kernel vectorizes the dot products over In (no packing
/// of the weight, which a batch of one could not amortize) and blocks 2 rows × 4 outputs = 8 vector
/// accumulators (6 loads per 8 FMAs); a lone row takes 8 outputs at a time. Each accumulator is summed
/// across lanes in a fixed order, so a row's result never depends on the chunking.
/// </remarks>
internal static class LinearKernel
{
    /// <summary>Rows per parallel chunk: even, so the row pairs are the same in every chunking.</summary>
    public const int RowsPerChunk = 32;

    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, int inFeatures, int outFeatures) =>
        Forward(input, weight, bias, output, rows, inFeatures, outFeatures, SimdSupport.Best);

    /// <summary>As the overload without <paramref name="width"/>, at a given vector width (tests run every width).</summary>
    public static unsafe void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, int inFeatures, int outFeatures, SimdWidth width)
    {
        Debug.Assert(input.Length == rows * inFeatures);
        Debug.Assert(weight.Length == outFeatures * inFeatures);
        Debug.Assert(output.Length == rows * outFeatures);
        int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        if (chunks <= 1)
        {
            Rows<NoActivation>(width, input, weight, bias, output, rows, inFeatures, outFeatures);
            return;
        }

        fixed (float* pInput = input, pWeight = weight, pBias = bias, pOutput = output)
        {
            var job = new Job(width, pInput, pWeight, pBias, bias.Length, pOutput, rows, inFeatures, outFeatures);
            Parallelism.For(chunks, job.Chunk);
        }
    }

    /// <summary>output[n, o] = act(bias[o] + Σ_i input[n, i] · weight[o, i]) for <paramref name="rows"/> rows, on the calling thread.</summary>
    public static void Rows<TAct>(SimdWidth width, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, int inFeatures, int outFeatures)
        where TAct : IActivation
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Rows<Vector512Ops, Vector512<float>, TAct>(input, weight, bias, output, rows, inFeatures, outFeatures);
                break;
            case SimdWidth.Vector256:
                Rows<Vector256Ops, Vector256<float>, TAct>(input, weight, bias, output, rows, inFeatures, outFeatures);
                break;
            case SimdWidth.Vector128:
                Rows<Vector128Ops, Vector128<float>, TAct>(input, weight, bias, output, rows, inFeatures, outFeatures);
                break;
            default:
                Rows<ScalarOps, float, TAct>(input, weight, bias, output, rows, inFeatures, outFeatures);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TOps, TVec, TAct>(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, int inFeatures, int outFeatures)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(input.Length >= rows * inFeatures);
        Debug.Assert(weight.Length == outFeatures * inFeatures);
        Debug.Assert(output.Length >= rows * outFeatures);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float y = ref MemoryMarshal.GetReference(output);
        int n = 0;
        for (; n + 2 <= rows; n += 2)
        {
            for (int o = 0; o < outFeatures; o += 4)
            {
                Block2x4<TOps, TVec>(ref Unsafe.Add(ref x, n * inFeatures), ref w, ref b, !bias.IsEmpty, ref Unsafe.Add(ref y, n * outFeatures), o, inFeatures, outFeatures);
            }
        }

        if (n < rows)
        {
            for (int o = 0; o < outFeatures; o += 8)
            {
                Block1x8<TOps, TVec>(ref Unsafe.Add(ref x, n * inFeatures), ref w, ref b, !bias.IsEmpty, ref Unsafe.Add(ref y, n * outFeatures), o, inFeatures, outFeatures);
            }
        }

        // The blocks end in scalars (one per dot product): the activation runs afterwards, vectorized.
        if (typeof(TAct) != typeof(NoActivation))
        {
            Span<float> activated = output[..(rows * outFeatures)];
            ActivationKernel.Apply<TOps, TVec, TAct>(activated, activated);
        }
    }

    /// <summary>Rows n, n+1 × outputs o..o+3; past the last output the block recomputes (and re-stores) the last one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2x4<TOps, TVec>(ref float x0, ref float w, ref float b, bool hasBias, ref float y0, int o, int inFeatures, int outFeatures)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int last = outFeatures - 1;
        int o0 = o, o1 = Math.Min(o + 1, last), o2 = Math.Min(o + 2, last), o3 = Math.Min(o + 3, last);
        ref float x1 = ref Unsafe.Add(ref x0, inFeatures);
        ref float w0 = ref Unsafe.Add(ref w, o0 * inFeatures);
        ref float w1 = ref Unsafe.Add(ref w, o1 * inFeatures);
        ref float w2 = ref Unsafe.Add(ref w, o2 * inFeatures);
        ref float w3 = ref Unsafe.Add(ref w, o3 * inFeatures);
        TVec a00 = TOps.Zero, a01 = TOps.Zero, a02 = TOps.Zero, a03 = TOps.Zero;
        TVec a10 = TOps.Zero, a11 = TOps.Zero, a12 = TOps.Zero, a13 = TOps.Zero;
        int vl = TOps.Count;
        int i = 0;
        for (; i + vl <= inFeatures; i += vl)
        {
            TVec u = TOps.Load(ref x0, i);
            TVec v = TOps.Load(ref x1, i);
            TVec t = TOps.Load(ref w0, i);
            a00 = TOps.MultiplyAdd(u, t, a00);
            a10 = TOps.MultiplyAdd(v, t, a10);
            t = TOps.Load(ref w1, i);
            a01 = TOps.MultiplyAdd(u, t, a01);
            a11 = TOps.MultiplyAdd(v, t, a11);
            t = TOps.Load(ref w2, i);
            a02 = TOps.MultiplyAdd(u, t, a02);
            a12 = TOps.MultiplyAdd(v, t, a12);
            t = TOps.Load(ref w3, i);
            a03 = TOps.MultiplyAdd(u, t, a03);
            a13 = TOps.MultiplyAdd(v, t, a13);
        }

        ref float y1 = ref Unsafe.Add(ref y0, outFeatures);
        Finish(ref x0, ref w0, i, inFeatures, TOps.Sum(a00), ref b, hasBias, o0, ref y0);
        Finish(ref x0, ref w1, i, inFeatures, TOps.Sum(a01), ref b, hasBias, o1, ref y0);
        Finish(ref x0, ref w2, i, inFeatures, TOps.Sum(a02), ref b, hasBias, o2, ref y0);
        Finish(ref x0, ref w3, i, inFeatures, TOps.Sum(a03), ref b, hasBias, o3, ref y0);
        Finish(ref x1, ref w0, i, inFeatures, TOps.Sum(a10), ref b, hasBias, o0, ref y1);
        Finish(ref x1, ref w1, i, inFeatures, TOps.Sum(a11), ref b, hasBias, o1, ref y1);
        Finish(ref x1, ref w2, i, inFeatures, TOps.Sum(a12), ref b, hasBias, o2, ref y1);
        Finish(ref x1, ref w3, i, inFeatures, TOps.Sum(a13), ref b, hasBias, o3, ref y1);
    }

    /// <summary>One row × outputs o..o+7 (a lone row has only 1 load of the input per 8 FMAs to share).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1x8<TOps, TVec>(ref float x0, ref float w, ref float b, bool hasBias, ref float y0, int o, int inFeatures, int outFeatures)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int last = outFeatures - 1;
        int o0 = o, o1 = Math.Min(o + 1, last), o2 = Math.Min(o + 2, last), o3 = Math.Min(o + 3, last);
        int o4 = Math.Min(o + 4, last), o5 = Math.Min(o + 5, last), o6 = Math.Min(o + 6, last), o7 = Math.Min(o + 7, last);
        ref float w0 = ref Unsafe.Add(ref w, o0 * inFeatures);
        ref float w1 = ref Unsafe.Add(ref w, o1 * inFeatures);
        ref float w2 = ref Unsafe.Add(ref w, o2 * inFeatures);
        ref float w3 = ref Unsafe.Add(ref w, o3 * inFeatures);
        ref float w4 = ref Unsafe.Add(ref w, o4 * inFeatures);
        ref float w5 = ref Unsafe.Add(ref w, o5 * inFeatures);
        ref float w6 = ref Unsafe.Add(ref w, o6 * inFeatures);
        ref float w7 = ref Unsafe.Add(ref w, o7 * inFeatures);
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero;
        TVec a4 = TOps.Zero, a5 = TOps.Zero, a6 = TOps.Zero, a7 = TOps.Zero;
        int vl = TOps.Count;
        int i = 0;
        for (; i + vl <= inFeatures; i += vl)
        {
            TVec u = TOps.Load(ref x0, i);
            a0 = TOps.MultiplyAdd(u, TOps.Load(ref w0, i), a0);
            a1 = TOps.MultiplyAdd(u, TOps.Load(ref w1, i), a1);
            a2 = TOps.MultiplyAdd(u, TOps.Load(ref w2, i), a2);
            a3 = TOps.MultiplyAdd(u, TOps.Load(ref w3, i), a3);
            a4 = TOps.MultiplyAdd(u, TOps.Load(ref w4, i), a4);
            a5 = TOps.MultiplyAdd(u, TOps.Load(ref w5, i), a5);
            a6 = TOps.MultiplyAdd(u, TOps.Load(ref w6, i), a6);
            a7 = TOps.MultiplyAdd(u, TOps.Load(ref w7, i), a7);
        }

        Finish(ref x0, ref w0, i, inFeatures, TOps.Sum(a0), ref b, hasBias, o0, ref y0);
        Finish(ref x0, ref w1, i, inFeatures, TOps.Sum(a1), ref b, hasBias, o1, ref y0);
        Finish(ref x0, ref w2, i, inFeatures, TOps.Sum(a2), ref b, hasBias, o2, ref y0);
        Finish(ref x0, ref w3, i, inFeatures, TOps.Sum(a3), ref b, hasBias, o3, ref y0);
        Finish(ref x0, ref w4, i, inFeatures, TOps.Sum(a4), ref b, hasBias, o4, ref y0);
        Finish(ref x0, ref w5, i, inFeatures, TOps.Sum(a5), ref b, hasBias, o5, ref y0);
        Finish(ref x0, ref w6, i, inFeatures, TOps.Sum(a6), ref b, hasBias, o6, ref y0);
        Finish(ref x0, ref w7, i, inFeatures, TOps.Sum(a7), ref b, hasBias, o7, ref y0);
    }

    /// <summary>Adds the scalar tail of the dot product (features past the last full vector) and the bias, stores y[o].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(ref float x, ref float w, int from, int inFeatures, float sum, ref float b, bool hasBias, int o, ref float y)
    {
        for (int i = from; i < inFeatures; i++)
        {
            sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref w, i);
        }

        if (hasBias)
        {
            sum += Unsafe.Add(ref b, o);
        }

        Unsafe.Add(ref y, o) = sum;
    }

    /// <summary>The pinned operands of one call and the per-chunk work, for <see cref="Parallelism.For"/>.</summary>
    private sealed unsafe class Job(SimdWidth width, float* input, float* weight, float* bias, int biasLength, float* output, int rows, int inFeatures, int outFeatures)
    {
        public void Chunk(int chunk)
        {
            int first = chunk * RowsPerChunk;
            int count = Math.Min(RowsPerChunk, rows - first);
            Rows<NoActivation>(
                width,
                new ReadOnlySpan<float>(input + ((long)first * inFeatures), count * inFeatures),
                new ReadOnlySpan<float>(weight, outFeatures * inFeatures),
                new ReadOnlySpan<float>(bias, biasLength),
                new Span<float>(output + ((long)first * outFeatures), count * outFeatures),
                count, inFeatures, outFeatures);
        }
    }
}
