using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>
/// A dense layer on one tile in the batch-inner layout: in [In, Lanes] → out [Out, Lanes], vectorized
/// across images. Weights are packed by <see cref="PackWeights(ReadOnlySpan{float}, int, int)"/> as [⌈Out/8⌉, In, 8] so one block's
/// 8 weights of a feature are adjacent; 8 outputs × 1 vector of images = 8 accumulators, 1 load and 8
/// broadcasts per 8 FMAs, and the bias and activation are applied before storing.
/// </summary>
internal static class LinearTileKernel
{
    /// <summary>Outputs per register block.</summary>
    public const int Block = 8;

    /// <summary>Packs weight [Out, In] as [⌈Out/8⌉, In, 8], the missing outputs of the last block zero.</summary>
    public static float[] PackWeights(ReadOnlySpan<float> weight, int outFeatures, int inFeatures)
    {
        int blocks = (outFeatures + Block - 1) / Block;
        var packed = new float[blocks * inFeatures * Block];
        PackWeights(weight, outFeatures, inFeatures, packed);
        return packed;
    }

    /// <summary>Packs weight [Out, In] into <paramref name="packed"/> ([⌈Out/8⌉, In, 8], zeros left as they are).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackWeights(ReadOnlySpan<float> weight, int outFeatures, int inFeatures, Span<float> packed)
    {
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                packed[((((o / Block) * inFeatures) + i) * Block) + (o % Block)] = weight[(o * inFeatures) + i];
            }
        }
    }

    /// <summary>
    /// out[o] = act(bias[o] + Σ_i W[o, i] · in[i]) for lanes [lane, lane + Count); bias has ⌈Out/8⌉·8 entries. Only the
    /// blocks of 8 outputs in [<paramref name="firstBlock"/>, <paramref name="endBlock"/>) when given (a part of the
    /// outputs for one thread; each output is computed the same way whichever part holds it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TOps, TVec, TAct>(ReadOnlySpan<float> input, int inFeatures, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, Span<float> output, int outFeatures, int lane, int firstBlock = 0, int endBlock = int.MaxValue)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        const int L = TileMap.Lanes;
        int blocks = (outFeatures + Block - 1) / Block;
        Debug.Assert(input.Length >= inFeatures * L && output.Length >= outFeatures * L);
        Debug.Assert(packed.Length == blocks * inFeatures * Block && bias.Length == blocks * Block);
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), lane);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), lane);
        for (int block = firstBlock; block < Math.Min(blocks, endBlock); block++)
        {
            ref float w = ref Unsafe.Add(ref MemoryMarshal.GetReference(packed), block * inFeatures * Block);
            ref float b = ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), block * Block);
            TVec a0 = TOps.Create(b), a1 = TOps.Create(Unsafe.Add(ref b, 1)), a2 = TOps.Create(Unsafe.Add(ref b, 2)), a3 = TOps.Create(Unsafe.Add(ref b, 3));
            TVec a4 = TOps.Create(Unsafe.Add(ref b, 4)), a5 = TOps.Create(Unsafe.Add(ref b, 5)), a6 = TOps.Create(Unsafe.Add(ref b, 6)), a7 = TOps.Create(Unsafe.Add(ref b, 7));
            for (int i = 0; i < inFeatures; i++)
            {
                TVec v = TOps.Load(ref x, i * L);
                ref float wi = ref Unsafe.Add(ref w, i * Block);
                a0 = TOps.MultiplyAdd(TOps.Create(wi), v, a0);
                a1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 1)), v, a1);
                a2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 2)), v, a2);
                a3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 3)), v, a3);
                a4 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 4)), v, a4);
                a5 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 5)), v, a5);
                a6 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 6)), v, a6);
                a7 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wi, 7)), v, a7);
            }

            int o = block * Block;
            int count = Math.Min(Block, outFeatures - o);
            ref float dst = ref Unsafe.Add(ref y, o * L);
            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref dst, 0);
            if (count == Block)
            {
                TOps.Store(TAct.Apply<TOps, TVec>(a1), ref dst, L);
                TOps.Store(TAct.Apply<TOps, TVec>(a2), ref dst, 2 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(a3), ref dst, 3 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(a4), ref dst, 4 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(a5), ref dst, 5 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(a6), ref dst, 6 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(a7), ref dst, 7 * L);
            }
            else
            {
                // The last, partial block: store only the outputs that exist (count ≤ 7 here).
                StoreIf<TOps, TVec, TAct>(count > 1, a1, ref dst, L);
                StoreIf<TOps, TVec, TAct>(count > 2, a2, ref dst, 2 * L);
                StoreIf<TOps, TVec, TAct>(count > 3, a3, ref dst, 3 * L);
                StoreIf<TOps, TVec, TAct>(count > 4, a4, ref dst, 4 * L);
                StoreIf<TOps, TVec, TAct>(count > 5, a5, ref dst, 5 * L);
                StoreIf<TOps, TVec, TAct>(count > 6, a6, ref dst, 6 * L);
            }
        }
    }

    /// <summary>
    /// As <see cref="Forward{TOps, TVec, TAct}"/> for two vectors of images at once (lanes [lane, lane +
    /// 2·Count)): 4 outputs × 2 vectors = 8 accumulators, 2 loads and 4 broadcasts per 8 FMAs. Without
    /// AVX-512's broadcast-from-memory FMA operand every broadcast is an instruction of its own, and this
    /// block needs half as many. Only the blocks of 8 outputs in [<paramref name="firstBlock"/>, <paramref name="endBlock"/>)
    /// when given.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardPair<TOps, TVec, TAct>(ReadOnlySpan<float> input, int inFeatures, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, Span<float> output, int outFeatures, int lane, int firstBlock = 0, int endBlock = int.MaxValue)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        const int L = TileMap.Lanes;
        int vl = TOps.Count;
        int blocks = (outFeatures + Block - 1) / Block;
        Debug.Assert(input.Length >= inFeatures * L && output.Length >= outFeatures * L && lane + (2 * vl) <= L);
        Debug.Assert(packed.Length == blocks * inFeatures * Block && bias.Length == blocks * Block);
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), lane);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), lane);
        for (int half = 2 * firstBlock; half < 2 * Math.Min(blocks, endBlock); half++)
        {
            int o = half * 4;
            if (o >= outFeatures)
            {
                break;
            }

            ref float w = ref Unsafe.Add(ref MemoryMarshal.GetReference(packed), ((half / 2) * inFeatures * Block) + ((half % 2) * 4));
            ref float b = ref Unsafe.Add(ref MemoryMarshal.GetReference(bias), o);
            TVec a0 = TOps.Create(b), a1 = TOps.Create(Unsafe.Add(ref b, 1)), a2 = TOps.Create(Unsafe.Add(ref b, 2)), a3 = TOps.Create(Unsafe.Add(ref b, 3));
            TVec c0 = a0, c1 = a1, c2 = a2, c3 = a3;
            for (int i = 0; i < inFeatures; i++)
            {
                TVec u = TOps.Load(ref x, i * L);
                TVec v = TOps.Load(ref x, (i * L) + vl);
                ref float wi = ref Unsafe.Add(ref w, i * Block);
                TVec t = TOps.Create(wi);
                a0 = TOps.MultiplyAdd(t, u, a0);
                c0 = TOps.MultiplyAdd(t, v, c0);
                t = TOps.Create(Unsafe.Add(ref wi, 1));
                a1 = TOps.MultiplyAdd(t, u, a1);
                c1 = TOps.MultiplyAdd(t, v, c1);
                t = TOps.Create(Unsafe.Add(ref wi, 2));
                a2 = TOps.MultiplyAdd(t, u, a2);
                c2 = TOps.MultiplyAdd(t, v, c2);
                t = TOps.Create(Unsafe.Add(ref wi, 3));
                a3 = TOps.MultiplyAdd(t, u, a3);
                c3 = TOps.MultiplyAdd(t, v, c3);
            }

            int count = Math.Min(4, outFeatures - o);
            ref float dst = ref Unsafe.Add(ref y, o * L);
            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref dst, 0);
            TOps.Store(TAct.Apply<TOps, TVec>(c0), ref dst, vl);
            if (count > 1)
            {
                TOps.Store(TAct.Apply<TOps, TVec>(a1), ref dst, L);
                TOps.Store(TAct.Apply<TOps, TVec>(c1), ref dst, L + vl);
            }

            if (count > 2)
            {
                TOps.Store(TAct.Apply<TOps, TVec>(a2), ref dst, 2 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(c2), ref dst, (2 * L) + vl);
            }

            if (count > 3)
            {
                TOps.Store(TAct.Apply<TOps, TVec>(a3), ref dst, 3 * L);
                TOps.Store(TAct.Apply<TOps, TVec>(c3), ref dst, (3 * L) + vl);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreIf<TOps, TVec, TAct>(bool condition, TVec value, ref float destination, int offset)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        if (condition)
        {
            TOps.Store(TAct.Apply<TOps, TVec>(value), ref destination, offset);
        }
    }
}
