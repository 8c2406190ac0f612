using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Pooling;

/// <summary>The window's maximum, IEEE style: a NaN anywhere in the window gives NaN, as in PyTorch.</summary>
internal readonly struct MaxPool : IPoolReduction
{
    public static bool Averages => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Combine<TOps, TVec>(TVec left, TVec right)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Max(left, right);
}
