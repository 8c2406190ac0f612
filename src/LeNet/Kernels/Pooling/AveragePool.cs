using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Pooling;

/// <summary>The window's mean: sums, then one multiply by 1/(K·K).</summary>
internal readonly struct AveragePool : IPoolReduction
{
    public static bool Averages => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Combine<TOps, TVec>(TVec left, TVec right)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Add(left, right);
}
