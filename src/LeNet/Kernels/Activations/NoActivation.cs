using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>No activation: the value is stored as accumulated.</summary>
internal readonly struct NoActivation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => x;

    /// <summary>dx = dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct => dy;
}
