using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// A dense layer on one row, vectorized over the outputs: y = act(b + Σ_i x[i] · Wᵀ[i]), with the
/// weight packed once by <see cref="PackWeights"/> as Wᵀ in blocks of <see cref="Block"/> outputs
/// ([Out'/64][In][64], the last block narrower; Out' = Out rounded up to 16). No horizontal sums and no
/// scalar tails (the dot-product form pays both per output), and the bias and activation are applied in
/// registers. Each output sums its products in the same order (i ascending) whatever the block.
/// </summary>
/// <remarks>
/// A 64-output block is 8 Vector256s, as many accumulators as 16 registers hold with a broadcast: the
/// weights then stream through memory once, front to back (pytorch/examples' fc1, 9216 → 128, is 4.7 MB
/// of weights at batch 1: unblocked, two passes of 8 vectors each read every other half row, and ran at
/// half the speed). With Vector512 two blocks go side by side (8 accumulators, two streams).
/// </remarks>
internal static class DenseRowKernel
{
    public const int OutputAlign = 16;

    /// <summary>Outputs per block of the packed weights.</summary>
    public const int Block = 64;

    public static int PaddedOutputs(int outFeatures) => (outFeatures + OutputAlign - 1) / OutputAlign * OutputAlign;

    /// <summary>Packs weight [Out, In] as Wᵀ in blocks: output o of block o / 64 at [In][width of the block], the outputs past Out zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] PackWeights(ReadOnlySpan<float> weight, int outFeatures, int inFeatures)
    {
        int padded = PaddedOutputs(outFeatures);
        var packed = new float[inFeatures * padded];
        for (int o = 0; o < outFeatures; o++)
        {
            int start = o / Block * Block, width = Math.Min(Block, padded - start);
            int at = (start * inFeatures) + (o - start);
            for (int i = 0; i < inFeatures; i++)
            {
                packed[at + (i * width)] = weight[(o * inFeatures) + i];
            }
        }

        return packed;
    }

    /// <summary>
    /// output[0..Out') = act(bias + input · Wᵀ): <paramref name="output"/> and <paramref name="bias"/> hold
    /// Out' floats (the padded outputs are computed and ignored).
    /// </summary>
    public static void Forward<TOps, TVec, TAct>(ReadOnlySpan<float> input, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, Span<float> output)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation =>
        Forward<TOps, TVec, TAct>(input, packed, bias, output, 0, Blocks(bias.Length));

    /// <summary>The number of <see cref="Block"/>-output blocks of <paramref name="padded"/> outputs (the last may be narrower).</summary>
    public static int Blocks(int padded) => (padded + Block - 1) / Block;

    /// <summary>
    /// As <see cref="Forward{TOps, TVec, TAct}(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    /// for blocks [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) of outputs only (one thread's part;
    /// each output's arithmetic is the same whichever part computes it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TOps, TVec, TAct>(ReadOnlySpan<float> input, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, Span<float> output, int firstBlock, int endBlock)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int padded = Math.Min(bias.Length, endBlock * Block);
        int inFeatures = input.Length;
        int vl = TOps.Count;
        Debug.Assert(packed.Length == inFeatures * bias.Length && output.Length >= bias.Length && bias.Length % vl == 0);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float y = ref MemoryMarshal.GetReference(output);
        int start = firstBlock * Block;
        if (vl * 8 == 2 * Block)
        {
            for (; start + (2 * Block) <= padded; start += 2 * Block)
            {
                TwoBlocks<TOps, TVec, TAct>(ref x, inFeatures, ref Unsafe.Add(ref w, (nint)start * inFeatures), ref Unsafe.Add(ref b, start), ref Unsafe.Add(ref y, start));
            }
        }

        for (; start < padded; start += Block)
        {
            int width = Math.Min(Block, padded - start);
            OneBlock<TOps, TVec, TAct>(ref x, inFeatures, ref Unsafe.Add(ref w, (nint)start * inFeatures), width, ref Unsafe.Add(ref b, start), ref Unsafe.Add(ref y, start));
        }
    }

    /// <summary>Two full blocks with 4 vectors each (Vector512): 8 accumulators over two weight streams.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoBlocks<TOps, TVec, TAct>(ref float x, int inFeatures, ref float w, ref float b, ref float y)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a0 = TOps.Load(ref b, 0), a1 = TOps.Load(ref b, vl), a2 = TOps.Load(ref b, 2 * vl), a3 = TOps.Load(ref b, 3 * vl);
        TVec a4 = TOps.Load(ref b, Block), a5 = TOps.Load(ref b, Block + vl), a6 = TOps.Load(ref b, Block + (2 * vl)), a7 = TOps.Load(ref b, Block + (3 * vl));
        ref float wa = ref w;
        ref float wb = ref Unsafe.Add(ref w, (nint)Block * inFeatures);
        for (int i = 0; i < inFeatures; i++)
        {
            TVec xi = TOps.Create(Unsafe.Add(ref x, i));
            a0 = TOps.MultiplyAdd(xi, TOps.Load(ref wa, 0), a0);
            a1 = TOps.MultiplyAdd(xi, TOps.Load(ref wa, vl), a1);
            a2 = TOps.MultiplyAdd(xi, TOps.Load(ref wa, 2 * vl), a2);
            a3 = TOps.MultiplyAdd(xi, TOps.Load(ref wa, 3 * vl), a3);
            a4 = TOps.MultiplyAdd(xi, TOps.Load(ref wb, 0), a4);
            a5 = TOps.MultiplyAdd(xi, TOps.Load(ref wb, vl), a5);
            a6 = TOps.MultiplyAdd(xi, TOps.Load(ref wb, 2 * vl), a6);
            a7 = TOps.MultiplyAdd(xi, TOps.Load(ref wb, 3 * vl), a7);
            wa = ref Unsafe.Add(ref wa, Block);
            wb = ref Unsafe.Add(ref wb, Block);
        }

        TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a1), ref y, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a2), ref y, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a3), ref y, 3 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a4), ref y, Block);
        TOps.Store(TAct.Apply<TOps, TVec>(a5), ref y, Block + vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a6), ref y, Block + (2 * vl));
        TOps.Store(TAct.Apply<TOps, TVec>(a7), ref y, Block + (3 * vl));
    }

    /// <summary>One block of <paramref name="width"/> outputs, rows <paramref name="width"/> apart: runs of 8, 4, then 1 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneBlock<TOps, TVec, TAct>(ref float x, int inFeatures, ref float w, int width, ref float b, ref float y)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int vl = TOps.Count;
        int o = 0;
        for (; o + (8 * vl) <= width; o += 8 * vl)
        {
            TVec a0 = TOps.Load(ref b, o), a1 = TOps.Load(ref b, o + vl), a2 = TOps.Load(ref b, o + (2 * vl)), a3 = TOps.Load(ref b, o + (3 * vl));
            TVec a4 = TOps.Load(ref b, o + (4 * vl)), a5 = TOps.Load(ref b, o + (5 * vl)), a6 = TOps.Load(ref b, o + (6 * vl)), a7 = TOps.Load(ref b, o + (7 * vl));
            ref float wi = ref Unsafe.Add(ref w, o);
            for (int i = 0; i < inFeatures; i++)
            {
                TVec xi = TOps.Create(Unsafe.Add(ref x, i));
                a0 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 0), a0);
                a1 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, vl), a1);
                a2 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 2 * vl), a2);
                a3 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 3 * vl), a3);
                a4 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 4 * vl), a4);
                a5 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 5 * vl), a5);
                a6 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 6 * vl), a6);
                a7 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 7 * vl), a7);
                wi = ref Unsafe.Add(ref wi, width);
            }

            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, o);
            TOps.Store(TAct.Apply<TOps, TVec>(a1), ref y, o + vl);
            TOps.Store(TAct.Apply<TOps, TVec>(a2), ref y, o + (2 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a3), ref y, o + (3 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a4), ref y, o + (4 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a5), ref y, o + (5 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a6), ref y, o + (6 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a7), ref y, o + (7 * vl));
        }

        for (; o + (4 * vl) <= width; o += 4 * vl)
        {
            TVec a0 = TOps.Load(ref b, o), a1 = TOps.Load(ref b, o + vl), a2 = TOps.Load(ref b, o + (2 * vl)), a3 = TOps.Load(ref b, o + (3 * vl));
            ref float wi = ref Unsafe.Add(ref w, o);
            for (int i = 0; i < inFeatures; i++)
            {
                TVec xi = TOps.Create(Unsafe.Add(ref x, i));
                a0 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 0), a0);
                a1 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, vl), a1);
                a2 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 2 * vl), a2);
                a3 = TOps.MultiplyAdd(xi, TOps.Load(ref wi, 3 * vl), a3);
                wi = ref Unsafe.Add(ref wi, width);
            }

            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, o);
            TOps.Store(TAct.Apply<TOps, TVec>(a1), ref y, o + vl);
            TOps.Store(TAct.Apply<TOps, TVec>(a2), ref y, o + (2 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a3), ref y, o + (3 * vl));
        }

        for (; o < width; o += vl)
        {
            TVec a0 = TOps.Load(ref b, o);
            ref float wi = ref Unsafe.Add(ref w, o);
            for (int i = 0; i < inFeatures; i++)
            {
                a0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x, i)), TOps.Load(ref wi, 0), a0);
                wi = ref Unsafe.Add(ref wi, width);
            }

            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, o);
        }
    }
}
