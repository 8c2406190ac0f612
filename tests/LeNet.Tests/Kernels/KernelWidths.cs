using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Every rung of the dispatch ladder. A width the CPU does not accelerate still runs (the runtime emulates
/// it in software), so each kernel path is checked on every machine; CI also reruns the kernel tests with
/// AVX-512 and with all hardware intrinsics disabled, which changes what the default dispatch picks.
/// </summary>
public static class KernelWidths
{
    /// <summary>The widths as ints (SimdWidth is internal; xunit's public test methods cannot take it).</summary>
    public static TheoryData<int> All => new() { (int)SimdWidth.Scalar, (int)SimdWidth.Vector128, (int)SimdWidth.Vector256, (int)SimdWidth.Vector512 };

    /// <summary>Every width × every configuration row.</summary>
    public static IEnumerable<object[]> Cross(IEnumerable<object[]> rows)
    {
        foreach (object[] row in rows)
        {
            foreach (int width in new[] { 1, 4, 8, 16 })
            {
                yield return [width, .. row];
            }
        }
    }
}
