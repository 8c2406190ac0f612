using LeNet.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The pools' NCHW backward passes against the chain rule in double: windows that tile the plane (the
/// written-not-added paths, LeNet's 2×2/2), windows that leave pixels out, overlapping windows. The input
/// gradient is overwritten, pixels in no window included.
/// </summary>
public class PoolBackwardKernelTests
{
    // (n, c, h, w, kernel, stride): 2×2/2 tiling; 3×3/3 tiling (the general max path); 2×2/2 on odd sizes
    // (a row and a column in no window); overlapping 3×3/1 and 3×3/2.
    public static TheoryData<int, int, int, int, int, int> Configurations => new()
    {
        { 2, 3, 8, 8, 2, 2 },
        { 1, 6, 28, 28, 2, 2 },
        { 1, 3, 9, 9, 3, 3 },
        { 1, 2, 7, 5, 2, 2 },
        { 2, 2, 6, 7, 3, 1 },
        { 3, 1, 9, 8, 3, 2 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AverageBackward_AnyGeometry_SpreadsEachGradientOverItsWindow(int n, int c, int h, int w, int k, int s)
    {
        var random = new Random(n + c + h + w + k + s);
        ConvGeometry g = Geometry(n, c, h, w, k, s);
        float[] outGrad = KernelData.Uniform(random, n * c * g.OutPlane);
        float[] inGrad = [.. Enumerable.Repeat(float.NaN, n * c * h * w)];

        PoolBackwardKernel.AverageBackward(outGrad, inGrad, g);

        double[] expected = NaiveGradients.AvgPool2d(n * c, h, w, k, s, KernelData.ToDouble(outGrad));
        inGrad.Should().BeCloseTo(KernelData.ToFloat(expected), atol: 1e-6, rtol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MaxBackward_AnyGeometry_GivesEachGradientToItsWindowsMaximum(int n, int c, int h, int w, int k, int s)
    {
        var random = new Random(n + c + h + w + k + s + 1);
        ConvGeometry g = Geometry(n, c, h, w, k, s);
        float[] input = KernelData.Uniform(random, n * c * h * w);
        float[] outGrad = KernelData.Uniform(random, n * c * g.OutPlane);
        float[] inGrad = [.. Enumerable.Repeat(float.NaN, input.Length)];

        PoolBackwardKernel.MaxBackward(input, outGrad, inGrad, g);

        double[] expected = NaiveGradients.MaxPool2d(KernelData.ToDouble(input), n * c, h, w, k, s, KernelData.ToDouble(outGrad));
        inGrad.Should().BeCloseTo(KernelData.ToFloat(expected), atol: 1e-6, rtol: 1e-6);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void MaxBackward_TiesAndNaN_GoToTheFirstMaximumOrTheNaN(int width)
    {
        // 2×2/2 windows on a 4×4 plane (width 4: the 2×2 path; width 5: the general one, the last column in
        // no window). Window (0,0) = 1 3 / 3 2: the first 3; (0,1) = 3 0 / 0 0: the 3; (1,0) = NaN 5 / 9 5:
        // the NaN; (1,1) = 1 1 / 1 1: the first 1.
        float[,] plane =
        {
            { 1, 3, 3, 0, 100 },
            { 3, 2, 0, 0, 100 },
            { float.NaN, 5, 1, 1, 100 },
            { 9, 5, 1, 1, 100 },
        };
        float[] input = [.. Enumerable.Range(0, 4 * width).Select(i => plane[i / width, i % width])];
        float[] outGrad = [1, 2, 3, 4];
        float[] inGrad = [.. Enumerable.Repeat(float.NaN, input.Length)];

        PoolBackwardKernel.MaxBackward(input, outGrad, inGrad, Geometry(1, 1, 4, width, 2, 2));

        float[,] expected =
        {
            { 0, 1, 2, 0, 0 },
            { 0, 0, 0, 0, 0 },
            { 3, 0, 4, 0, 0 },
            { 0, 0, 0, 0, 0 },
        };
        inGrad.Should().Equal(Enumerable.Range(0, 4 * width).Select(i => expected[i / width, i % width]));
    }

    private static ConvGeometry Geometry(int n, int c, int h, int w, int k, int s) =>
        new(n, c, h, w, c, k, s, 0, ((h - k) / s) + 1, ((w - k) / s) + 1);
}
