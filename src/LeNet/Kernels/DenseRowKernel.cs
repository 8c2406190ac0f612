using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// A dense layer on one row, vectorized over the outputs: y = act(b + Σ_i x[i] · Wᵀ[i]), with the
/// weight packed once by <see cref="PackWeights"/> as Wᵀ [In, Out'] (Out' = Out rounded up to 16). No
/// horizontal sums and no scalar tails (the dot-product form pays both per output), and the bias and
/// activation are applied in registers. Blocks of 8, 4, then 1 vectors of outputs.
/// </summary>
internal static class DenseRowKernel
{
    public const int OutputAlign = 16;

    public static int PaddedOutputs(int outFeatures) => (outFeatures + OutputAlign - 1) / OutputAlign * OutputAlign;

    /// <summary>Packs weight [Out, In] as Wᵀ [In, Out'], the outputs past Out zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] PackWeights(ReadOnlySpan<float> weight, int outFeatures, int inFeatures)
    {
        int padded = PaddedOutputs(outFeatures);
        var packed = new float[inFeatures * padded];
        for (int o = 0; o < outFeatures; o++)
        {
            for (int i = 0; i < inFeatures; i++)
            {
                packed[(i * padded) + o] = weight[(o * inFeatures) + i];
            }
        }

        return packed;
    }

    /// <summary>
    /// output[0..Out') = act(bias + input · Wᵀ): <paramref name="output"/> and <paramref name="bias"/> hold
    /// Out' floats (the padded outputs are computed and ignored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TOps, TVec, TAct>(ReadOnlySpan<float> input, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, Span<float> output)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int padded = bias.Length;
        int inFeatures = input.Length;
        int vl = TOps.Count;
        Debug.Assert(packed.Length == inFeatures * padded && output.Length >= padded && padded % vl == 0);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float y = ref MemoryMarshal.GetReference(output);
        int o = 0;
        for (; o + (8 * vl) <= padded; o += 8 * vl)
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
                wi = ref Unsafe.Add(ref wi, padded);
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

        for (; o + (4 * vl) <= padded; o += 4 * vl)
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
                wi = ref Unsafe.Add(ref wi, padded);
            }

            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, o);
            TOps.Store(TAct.Apply<TOps, TVec>(a1), ref y, o + vl);
            TOps.Store(TAct.Apply<TOps, TVec>(a2), ref y, o + (2 * vl));
            TOps.Store(TAct.Apply<TOps, TVec>(a3), ref y, o + (3 * vl));
        }

        for (; o < padded; o += vl)
        {
            TVec a0 = TOps.Load(ref b, o);
            ref float wi = ref Unsafe.Add(ref w, o);
            for (int i = 0; i < inFeatures; i++)
            {
                a0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x, i)), TOps.Load(ref wi, 0), a0);
                wi = ref Unsafe.Add(ref wi, padded);
            }

            TOps.Store(TAct.Apply<TOps, TVec>(a0), ref y, o);
        }
    }
}
