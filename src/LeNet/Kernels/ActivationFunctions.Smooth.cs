using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The smooth gated activations of the transformer-era networks (SiLU, GELU exact and with the tanh
/// approximation), forward and backward from the input x, and the error function they need. Multiplies and adds
/// round separately (no FMA), so a width's scalar tail computes the bits of its vector body.
/// </summary>
internal static partial class ActivationFunctions
{
    /// <summary>√½, GELU's scale of x inside erf (ATen's <c>M_SQRT1_2</c> as float).</summary>
    private const float SqrtHalf = 0.70710678118654752440f;

    /// <summary>1/√(2π), the standard normal density at 0 (ATen's <c>M_2_SQRTPI · M_SQRT1_2 · 0.5</c>).</summary>
    private const float NormalDensityAtZero = 0.39894228040143267794f;

    /// <summary>√(2/π), the tanh approximation's scale (ATen's <c>M_SQRT2 · M_2_SQRTPI · 0.5</c>).</summary>
    private const float SqrtTwoOverPi = 0.79788456080286535588f;

    /// <summary>The tanh approximation's cubic coefficient.</summary>
    private const float GeluKappa = 0.044715f;

    /// <summary>y = x · σ(x) (SiLU, also called swish), with the kernels' sigmoid.</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(SiluFunction), x, y, width);

    /// <summary>dx = dy · σ(x) · (1 + x · σ(−x)), ATen's σ(x) · (1 + x · (1 − σ(x))) without its cancellation for large x.</summary>
    public static void SiluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(SiluFunction), x, dy, dx, width);

    /// <summary>y = x · 0.5 · (1 + erf(x / √2)) (GELU, exact).</summary>
    public static void Gelu(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(GeluFunction), x, y, width);

    /// <summary>dx = dy · (Φ(x) + x · φ(x)): Φ(x) = 0.5 · (1 + erf(x / √2)), φ(x) = e^(−x²/2) / √(2π).</summary>
    public static void GeluBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(GeluFunction), x, dy, dx, width);

    /// <summary>
    /// y = 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) (GELU, <c>approximate='tanh'</c>), computed as x · σ(2v),
    /// v the tanh's argument (the same function: 1 + tanh v = 2σ(2v)), which keeps its relative precision where
    /// tanh v → −1.
    /// </summary>
    public static void GeluTanh(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(GeluTanhFunction), x, y, width);

    /// <summary>
    /// dx = dy · (0.5 · (1 + t) + 0.5 · x · (1 − t²) · √(2/π) · (1 + 3 · 0.044715 · x²)), t the forward's tanh, ATen's
    /// <c>GeluBackward</c> with <c>approximate='tanh'</c>, in the sigmoid form of <see cref="GeluTanh"/>.
    /// </summary>
    public static void GeluTanhBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(GeluTanhFunction), x, dy, dx, width);

    /// <summary>The error function erf(x), element-wise, to 2 ulp (see <see cref="Erf{TOps, TVec}"/>).</summary>
    public static void Erf(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(ErfFunction), x, y, width);

    /// <summary>
    /// erf(x) per lane, within 1.1e-7 absolute (2 ulp) of the true value, in two pieces: for |x| ≤ 0.9277 the odd
    /// polynomial x + x·P(x²); beyond, 1 − e^Q(|x|) with the sign of x, Q a polynomial in |x| of degree 7 whose exponent
    /// is never positive (so no overflow: erf saturates to ±1, ±∞ included, and NaN stays NaN). The coefficients are
    /// minimax fits for float (N. Juffa's vectorizable <c>erff</c>); <see cref="SimdMath.Exp"/> supplies the exponential.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVec Erf<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec t = TOps.Max(x, TOps.Subtract(TOps.Zero, x));
        TVec s = TOps.Multiply(x, x);

        // |x| > 0.9277: erf = 1 − e^q, q = −t − 0.1287·t − … (a polynomial in t and s = t²).
        TVec r = MultiplyThenAdd<TOps, TVec>(TOps.Create(-1.72853470e-5f), t, TOps.Create(3.83197126e-4f));
        TVec u = MultiplyThenAdd<TOps, TVec>(TOps.Create(-3.88396438e-3f), t, TOps.Create(2.42546219e-2f));
        r = MultiplyThenAdd<TOps, TVec>(r, s, u);
        r = MultiplyThenAdd<TOps, TVec>(r, t, TOps.Create(-1.06777877e-1f));
        r = MultiplyThenAdd<TOps, TVec>(r, t, TOps.Create(-6.34846687e-1f));
        r = MultiplyThenAdd<TOps, TVec>(r, t, TOps.Create(-1.28717512e-1f));
        r = TOps.Subtract(TOps.Multiply(r, t), t);
        TVec tail = TOps.Subtract(TOps.Create(1f), SimdMath.Exp<TOps, TVec>(r));
        tail = TOps.Select(TOps.GreaterThan(TOps.Zero, x), TOps.Subtract(TOps.Zero, tail), tail);

        // |x| ≤ 0.9277: erf = x + x·P(s).
        TVec p = MultiplyThenAdd<TOps, TVec>(TOps.Create(-5.96761703e-4f), s, TOps.Create(4.99119423e-3f));
        p = MultiplyThenAdd<TOps, TVec>(p, s, TOps.Create(-2.67681349e-2f));
        p = MultiplyThenAdd<TOps, TVec>(p, s, TOps.Create(1.12819925e-1f));
        p = MultiplyThenAdd<TOps, TVec>(p, s, TOps.Create(-3.76125336e-1f));
        p = MultiplyThenAdd<TOps, TVec>(p, s, TOps.Create(1.28379166e-1f));
        TVec near = MultiplyThenAdd<TOps, TVec>(p, x, x);

        return TOps.Select(TOps.GreaterThan(t, TOps.Create(0.927734375f)), tail, near);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec MultiplyThenAdd<TOps, TVec>(TVec left, TVec right, TVec addend)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Add(TOps.Multiply(left, right), addend);

    private readonly struct SiluFunction : IElementFunction
    {
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Multiply(x, TOps.Sigmoid(x));

        // ATen's dy · σ(x) · (1 + x · (1 − σ(x))), with 1 − σ(x) as σ(−x): no cancellation for large x, where ATen's
        // float rounding of σ(x) comes back multiplied by x.
        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec complement = TOps.Sigmoid(TOps.Subtract(TOps.Zero, x));
            return TOps.Multiply(TOps.Multiply(dy, TOps.Sigmoid(x)), TOps.Add(TOps.Create(1f), TOps.Multiply(x, complement)));
        }
    }

    private readonly struct GeluFunction : IElementFunction
    {
        // ATen: x · 0.5 · (1 + erf(x · √½)).
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Multiply(TOps.Multiply(x, TOps.Create(0.5f)), TOps.Add(TOps.Create(1f), Erf<TOps, TVec>(TOps.Multiply(x, TOps.Create(SqrtHalf)))));

        // ATen: cdf = 0.5 · (1 + erf(x · √½)), pdf = e^(−0.5 · x²) / √(2π), dx = dy · (cdf + x · pdf).
        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec cdf = TOps.Multiply(TOps.Create(0.5f), TOps.Add(TOps.Create(1f), Erf<TOps, TVec>(TOps.Multiply(x, TOps.Create(SqrtHalf)))));
            TVec pdf = TOps.Multiply(SimdMath.Exp<TOps, TVec>(TOps.Multiply(TOps.Multiply(x, x), TOps.Create(-0.5f))), TOps.Create(NormalDensityAtZero));
            return TOps.Multiply(dy, TOps.Add(cdf, TOps.Multiply(x, pdf)));
        }
    }

    private readonly struct GeluTanhFunction : IElementFunction
    {
        // 0.5 · x · (1 + tanh(v)) = x · σ(2v), v = √(2/π) · (x + κ · x³): no 1 + tanh to cancel where tanh(v) → −1.
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Multiply(x, TOps.Sigmoid(TwiceInner<TOps, TVec>(x)));

        // d/dx x · σ(u) = σ(u) + x · σ(u) · σ(−u) · u′, u = 2v, u′ = 2√(2/π) · (1 + 3κ · x²): ATen's
        // 0.5 · (1 + t) + 0.5 · x · (1 − t²) · v′ with 1 + t = 2σ(u) and 1 − t² = 4σ(u)σ(−u), computed without cancellation.
        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec u = TwiceInner<TOps, TVec>(x);
            TVec sigmoid = TOps.Sigmoid(u), complement = TOps.Sigmoid(TOps.Subtract(TOps.Zero, u));
            TVec slope = TOps.Multiply(TOps.Create(2f * SqrtTwoOverPi), TOps.Add(TOps.Create(1f), TOps.Multiply(TOps.Create(3f * GeluKappa), TOps.Multiply(x, x))));
            TVec gate = TOps.Add(sigmoid, TOps.Multiply(TOps.Multiply(x, TOps.Multiply(sigmoid, complement)), slope));
            return TOps.Multiply(dy, gate);
        }

        /// <summary>2√(2/π) · (x + κ · x³).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec TwiceInner<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec cube = TOps.Multiply(TOps.Multiply(x, x), x);
            return TOps.Multiply(TOps.Create(2f * SqrtTwoOverPi), TOps.Add(x, TOps.Multiply(TOps.Create(GeluKappa), cube)));
        }
    }

    /// <summary>erf alone, for the kernel tests of <see cref="Erf{TOps, TVec}"/> at every width; its backward is d erf/dx = 2/√π · e^(−x²).</summary>
    private readonly struct ErfFunction : IElementFunction
    {
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct => Erf<TOps, TVec>(x);

        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Multiply(dy, TOps.Multiply(TOps.Create(1.12837917f), SimdMath.Exp<TOps, TVec>(TOps.Subtract(TOps.Zero, TOps.Multiply(x, x)))));
    }
}
