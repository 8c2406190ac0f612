using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// A residual connection's epilogue over one image's output: <c>y = act(y + addend)</c>, in place, on the width ladder.
/// Exactly the unfused <c>add</c> then <c>relu</c> (one rounding, in either order of the operands; max is exact), so
/// the fused plan is bit-identical to the unfused one.
/// </summary>
internal static class ResidualKernel
{
    /// <summary>y ← y + addend, then max(·, 0) when <paramref name="relu"/>; both spans of the same length.</summary>
    public static void AddInPlace(SimdWidth width, Span<float> y, ReadOnlySpan<float> addend, bool relu)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Run<Vector512Ops, Vector512<float>>(y, addend, relu);
                break;
            case SimdWidth.Vector256:
                Run<Vector256Ops, Vector256<float>>(y, addend, relu);
                break;
            case SimdWidth.Vector128:
                Run<Vector128Ops, Vector128<float>>(y, addend, relu);
                break;
            default:
                Run<ScalarOps, float>(y, addend, relu);
                break;
        }
    }

    private static void Run<TOps, TVec>(Span<float> y, ReadOnlySpan<float> addend, bool relu)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (relu)
        {
            Run<TOps, TVec, ReluActivation>(y, addend);
        }
        else
        {
            Run<TOps, TVec, NoActivation>(y, addend);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TAct>(Span<float> y, ReadOnlySpan<float> addend)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        if (addend.Length != y.Length)
        {
            throw new ArgumentException($"ResidualKernel: the addend holds {addend.Length} floats, the output {y.Length}.", nameof(addend));
        }

        ref float target = ref MemoryMarshal.GetReference(y);
        ref float source = ref MemoryMarshal.GetReference(addend);
        int n = y.Length, i = 0;
        for (; i <= n - TOps.Count; i += TOps.Count)
        {
            TOps.Store(TAct.Apply<TOps, TVec>(TOps.Add(TOps.Load(ref target, i), TOps.Load(ref source, i))), ref target, i);
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref target, i) = TAct.Apply<ScalarOps, float>(Unsafe.Add(ref target, i) + Unsafe.Add(ref source, i));
        }
    }
}
