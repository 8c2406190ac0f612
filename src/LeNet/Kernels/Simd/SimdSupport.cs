using System.Runtime.Intrinsics;

namespace LeNet.Kernels.Simd;

/// <summary>Picks the widest vector width the hardware accelerates, once per process.</summary>
internal static class SimdSupport
{
    /// <summary>The width every kernel dispatches to by default.</summary>
    public static SimdWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Vector256
        : Vector128.IsHardwareAccelerated ? SimdWidth.Vector128
        : SimdWidth.Scalar;
}
