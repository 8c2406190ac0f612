using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

public class SimdSupportTests
{
    // CI runs the kernel tests with AVX-512 and with all intrinsics disabled: this shows which rung the
    // default dispatch took in each run (and that it is the widest accelerated one).
    [Fact]
    public void Best_IsTheWidestAcceleratedWidth()
    {
        SimdWidth expected = Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
            : Vector256.IsHardwareAccelerated ? SimdWidth.Vector256
            : Vector128.IsHardwareAccelerated ? SimdWidth.Vector128
            : SimdWidth.Scalar;

        SimdSupport.Best.Should().Be(expected);
    }

    [Fact]
    public void Best_WithAvx512Disabled_IsNotVector512()
    {
        bool disabled = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0" || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0";

        if (disabled)
        {
            SimdSupport.Best.Should().NotBe(SimdWidth.Vector512);
        }
    }
}
