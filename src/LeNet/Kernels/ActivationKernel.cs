using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>An activation over a contiguous run of values, in place, for kernels that cannot fuse it into their accumulators.</summary>
internal static class ActivationKernel
{
    /// <summary>values[i] = act(values[i]): whole vectors, then the scalar tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOps, TVec, TAct>(Span<float> values)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        ref float v = ref MemoryMarshal.GetReference(values);
        int i = 0;
        for (; i + TOps.Count <= values.Length; i += TOps.Count)
        {
            TOps.Store(TAct.Apply<TOps, TVec>(TOps.Load(ref v, i)), ref v, i);
        }

        for (; i < values.Length; i++)
        {
            Unsafe.Add(ref v, i) = TAct.Apply<ScalarOps, float>(Unsafe.Add(ref v, i));
        }
    }
}
