using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>min(max(x + 3, 0), 6) / 6, as <c>torch.nn.Hardsigmoid</c> (ATen's operations in ATen's order: a division, not a multiplication by 1/6).</summary>
internal readonly struct HardsigmoidActivation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Divide(TOps.Min(TOps.Max(TOps.Add(x, TOps.Create(3f)), TOps.Zero), TOps.Create(6f)), TOps.Create(6f));

    /// <summary>dx = dy / 6 where 0 &lt; y &lt; 1 strictly (−3 &lt; x &lt; 3), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.And(TOps.And(TOps.GreaterThan(y, TOps.Zero), TOps.GreaterThan(TOps.Create(1f), y)), TOps.Multiply(dy, TOps.Create(1f / 6f)));
}
