using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>max(x, 0), as <c>torch.relu</c> (NaN stays NaN).</summary>
internal readonly struct ReluActivation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Max(x, TOps.Zero);

    /// <summary>dx = dy where y &gt; 0, else 0 (<c>threshold_backward</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.And(dy, TOps.GreaterThan(y, TOps.Zero));
}
