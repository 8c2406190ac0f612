using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The output side both Winograd kernels share (<see cref="WinogradKernel"/>, <see cref="WinogradF4Kernel"/>): one 2×2
/// pool window of biased outputs reduced with the activation, and one pixel's vector of channels written into the
/// output planes.
/// </summary>
internal static class WinogradOutput
{
    /// <summary>
    /// One pool window of four outputs before their bias: as in the direct kernels, averaging activates each biased
    /// value; the max commutes with the bias and the monotonic activation, applied once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec PoolWindow<TOps, TVec, TAct, TPool>(TVec y00, TVec y01, TVec y10, TVec y11, TVec bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        if (TPool.Averages)
        {
            TVec sum = TOps.Add(
                TOps.Add(TAct.Apply<TOps, TVec>(TOps.Add(y00, bias)), TAct.Apply<TOps, TVec>(TOps.Add(y01, bias))),
                TOps.Add(TAct.Apply<TOps, TVec>(TOps.Add(y10, bias)), TAct.Apply<TOps, TVec>(TOps.Add(y11, bias))));
            return TOps.Multiply(sum, TOps.Create(0.25f));
        }

        return TAct.Apply<TOps, TVec>(TOps.Add(TOps.Max(TOps.Max(y00, y01), TOps.Max(y10, y11)), bias));
    }

    /// <summary>Writes channels [first, first + vector width) ∩ [0, O) of one pixel into the channel planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scatter<TOps, TVec>(TVec value, int first, int outChannels, Span<float> output, int offset, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TOps.Store(value, ref MemoryMarshal.GetReference(lanes), 0);
        int count = Math.Min(TOps.Count, outChannels - first);
        ref float o = ref MemoryMarshal.GetReference(output);
        ref float l = ref MemoryMarshal.GetReference(lanes);
        for (int i = 0; i < count; i++)
        {
            Unsafe.Add(ref o, ((nint)(first + i) * outPlaneStride) + offset) = Unsafe.Add(ref l, i);
        }
    }
}
