using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>An activation, or its backward rule, over a contiguous run of values: for kernels that cannot fuse it into their accumulators, and for the element-wise layers (the same function as the fused epilogues).</summary>
internal static class ActivationKernel
{
    /// <summary>y[i] = act(x[i]) at the given width (x and y may be the same span).</summary>
    public static void Apply<TAct>(ReadOnlySpan<float> x, Span<float> y, SimdWidth width)
        where TAct : IActivation
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Apply<Vector512Ops, Vector512<float>, TAct>(x, y);
                break;
            case SimdWidth.Vector256:
                Apply<Vector256Ops, Vector256<float>, TAct>(x, y);
                break;
            case SimdWidth.Vector128:
                Apply<Vector128Ops, Vector128<float>, TAct>(x, y);
                break;
            default:
                Apply<ScalarOps, float, TAct>(x, y);
                break;
        }
    }

    /// <summary>y[i] = act(x[i]) (in place when x and y are the same span): whole vectors, then the scalar tail (the same function, one lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply<TOps, TVec, TAct>(ReadOnlySpan<float> x, Span<float> y)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(y.Length >= x.Length);
        ref float src = ref MemoryMarshal.GetReference(x);
        ref float dst = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + TOps.Count <= x.Length; i += TOps.Count)
        {
            TOps.Store(TAct.Apply<TOps, TVec>(TOps.Load(ref src, i)), ref dst, i);
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref dst, i) = TAct.Apply<ScalarOps, float>(Unsafe.Add(ref src, i));
        }
    }

    /// <summary>dx[i] = act'(y[i]) · dy[i] from the activation's output y, at the given width (dx may be dy).</summary>
    public static void Backward<TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width)
        where TAct : IActivation
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Backward<Vector512Ops, Vector512<float>, TAct>(y, dy, dx);
                break;
            case SimdWidth.Vector256:
                Backward<Vector256Ops, Vector256<float>, TAct>(y, dy, dx);
                break;
            case SimdWidth.Vector128:
                Backward<Vector128Ops, Vector128<float>, TAct>(y, dy, dx);
                break;
            default:
                Backward<ScalarOps, float, TAct>(y, dy, dx);
                break;
        }
    }

    /// <summary>dx[i] = act'(y[i]) · dy[i]: whole vectors, then the scalar tail (the same rule, one lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<TOps, TVec, TAct>(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(dy.Length >= y.Length && dx.Length >= y.Length);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        ref float dxRef = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        for (; i + TOps.Count <= y.Length; i += TOps.Count)
        {
            TOps.Store(TAct.Backward<TOps, TVec>(TOps.Load(ref yRef, i), TOps.Load(ref dyRef, i)), ref dxRef, i);
        }

        for (; i < y.Length; i++)
        {
            Unsafe.Add(ref dxRef, i) = TAct.Backward<ScalarOps, float>(Unsafe.Add(ref yRef, i), Unsafe.Add(ref dyRef, i));
        }
    }
}
