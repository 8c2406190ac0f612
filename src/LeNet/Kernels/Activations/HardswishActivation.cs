using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>
/// x · min(max(x + 3, 0), 6) / 6, as <c>torch.nn.Hardswish</c> (ATen's operations in ATen's order: multiplied first,
/// then divided). Not monotone (its minimum is at x = −1.5): never fused with a max pool, and inference only.
/// </summary>
internal readonly struct HardswishActivation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Divide(TOps.Multiply(x, TOps.Min(TOps.Max(TOps.Add(x, TOps.Create(3f)), TOps.Zero), TOps.Create(6f))), TOps.Create(6f));

    /// <summary>Not available: the output does not determine the input (y = −1/3 at both x = −1 and x = −2), so no training stage fuses Hardswish.</summary>
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct => throw new NotSupportedException("Hardswish's gradient needs its input; no fused training stage applies it.");
}
