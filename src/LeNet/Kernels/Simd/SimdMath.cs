using System.Runtime.CompilerServices;

namespace LeNet.Kernels.Simd;

/// <summary>Functions written once over <see cref="ISimdOps{TVec}"/>, so every width, the scalar one included, computes the same bits.</summary>
internal static class SimdMath
{
    /// <summary>
    /// eˣ per lane, by the sigmoid's method (see <see cref="Vector256Ops.Sigmoid"/>): n = round(x·log₂e) by
    /// magic-number rounding, r = n·ln2 − x by Cody–Waite reduction (|r| ≤ ln2/2), and the same degree-5
    /// polynomial for e⁻ʳ (relative error 1.8e-7), times 2ⁿ. Exact at 0 (the runtime's vector eˣ returns
    /// 1 + 2⁻²³ there, which turns ELU(0⁻) positive). Below −87 it returns 0 (eˣ &lt; 1.7e-38, under float's
    /// normal range), above 88 +∞; NaN stays NaN. Multiplies and adds round separately (no FMA), as
    /// <see cref="ScalarOps"/> does, so the scalar tail is bit-identical to the vector body.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Exp<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec magic = TOps.Create(12583039f); // 1.5·2²³ + 127
        TVec clamped = TOps.Min(TOps.Max(x, TOps.Create(-87f)), TOps.Create(88f));
        TVec t = MultiplyThenAdd<TOps, TVec>(clamped, TOps.Create(1.44269504f), magic);
        TVec n = TOps.Subtract(t, magic);
        TVec r = MultiplyThenAdd<TOps, TVec>(n, TOps.Create(0.693359375f), TOps.Subtract(TOps.Zero, clamped));
        r = MultiplyThenAdd<TOps, TVec>(n, TOps.Create(-2.12194440e-4f), r);
        TVec p = MultiplyThenAdd<TOps, TVec>(TOps.Create(-8.3125010e-3f), r, TOps.Create(4.1890115e-2f));
        p = MultiplyThenAdd<TOps, TVec>(p, r, TOps.Create(-0.16667114f));
        p = MultiplyThenAdd<TOps, TVec>(p, r, TOps.Create(0.49999231f));
        p = MultiplyThenAdd<TOps, TVec>(p, r, TOps.Create(-1f));
        p = MultiplyThenAdd<TOps, TVec>(p, r, TOps.Create(1f));
        TVec result = TOps.Multiply(p, TOps.PowerOfTwo(t));
        result = TOps.Select(TOps.GreaterThan(TOps.Create(-87f), x), TOps.Zero, result);
        return TOps.Select(TOps.GreaterThan(x, TOps.Create(88f)), TOps.Create(float.PositiveInfinity), result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec MultiplyThenAdd<TOps, TVec>(TVec left, TVec right, TVec addend)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Add(TOps.Multiply(left, right), addend);
}
