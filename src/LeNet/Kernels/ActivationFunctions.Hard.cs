using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The piecewise-linear activations of the mobile networks (ReLU6, Hardsigmoid, Hardswish), forward and backward
/// from the input x, written as ATen's CPU kernels write them (the same operations in the same order, so the
/// same bits), with PyTorch's conventions at the kinks.
/// </summary>
internal static partial class ActivationFunctions
{
    /// <summary>y = min(max(x, 0), 6) (ReLU6, PyTorch's <c>hardtanh(x, 0, 6)</c>); NaN stays NaN.</summary>
    public static void Relu6(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(Relu6Function), x, y, width);

    /// <summary>dx = dy where 0 &lt; x &lt; 6 strictly, else 0 (hardtanh's backward: both kinks and NaN give 0).</summary>
    public static void Relu6Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(Relu6Function), x, dy, dx, width);

    /// <summary>y = min(max(x + 3, 0), 6) / 6 (Hardsigmoid).</summary>
    public static void Hardsigmoid(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(HardsigmoidFunction), x, y, width);

    /// <summary>dx = dy · (1/6) where −3 &lt; x &lt; 3 strictly, else 0.</summary>
    public static void HardsigmoidBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(HardsigmoidFunction), x, dy, dx, width);

    /// <summary>y = x · min(max(x + 3, 0), 6) / 6 (Hardswish).</summary>
    public static void Hardswish(ReadOnlySpan<float> x, Span<float> y, SimdWidth width) => Forward(default(HardswishFunction), x, y, width);

    /// <summary>
    /// ATen's <c>hardswish_backward</c>: dx = 0 where x &lt; −3, dy · (x / 3 + 0.5) where x ≤ 3, else dy. So the
    /// gradient is −0.5·dy at x = −3 and 1.5·dy at x = 3 (the closed interval takes the middle formula).
    /// </summary>
    public static void HardswishBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(default(HardswishFunction), x, dy, dx, width);

    private readonly struct Relu6Function : IElementFunction
    {
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Min(TOps.Max(x, TOps.Zero), TOps.Create(6f));

        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.And(TOps.And(TOps.GreaterThan(x, TOps.Zero), TOps.GreaterThan(TOps.Create(6f), x)), dy);
    }

    private readonly struct HardsigmoidFunction : IElementFunction
    {
        // ATen: min(max(x + 3, 0), 6) / 6, a division (not a multiplication by 1/6), for the same bits.
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Divide(TOps.Min(TOps.Max(TOps.Add(x, TOps.Create(3f)), TOps.Zero), TOps.Create(6f)), TOps.Create(6f));

        // ATen: (x > −3 && x < 3) ? dy · (1/6) : 0.
        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec inside = TOps.And(TOps.GreaterThan(x, TOps.Create(-3f)), TOps.GreaterThan(TOps.Create(3f), x));
            return TOps.And(inside, TOps.Multiply(dy, TOps.Create(1f / 6f)));
        }
    }

    private readonly struct HardswishFunction : IElementFunction
    {
        // ATen: x · min(max(x + 3, 0), 6) / 6, multiplied first, then divided.
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Divide(TOps.Multiply(x, TOps.Min(TOps.Max(TOps.Add(x, TOps.Create(3f)), TOps.Zero), TOps.Create(6f))), TOps.Create(6f));

        // x < −3 → 0; x < 3 → dy · (x / 3 + 0.5); else dy. ATen's scalar loop takes x = 3 into the middle piece (1.5·dy),
        // its vectorized loop, which runs nearly every element of a tensor, into the upper one (dy): we follow the latter,
        // which is what PyTorch returns for x = 3 inside any tensor longer than a vector (Golden/graphs/ops.json).
        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec middle = TOps.Multiply(dy, TOps.Add(TOps.Divide(x, TOps.Create(3f)), TOps.Create(0.5f)));
            TVec upper = TOps.Select(TOps.GreaterThan(TOps.Create(3f), x), middle, dy);
            return TOps.AndNot(upper, TOps.GreaterThan(TOps.Create(-3f), x));
        }
    }
}
