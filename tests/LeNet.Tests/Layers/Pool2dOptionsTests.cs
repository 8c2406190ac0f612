using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>MaxPool2d and AvgPool2d with padding, dilation, ceil mode and count_include_pad, and AdaptiveAvgPool2d.</summary>
public class Pool2dOptionsTests
{
    public static TheoryData<string> MaxCases => TorchLayersB.Cases("MaxPool2d");

    public static TheoryData<string> AvgCases => TorchLayersB.Cases("AvgPool2d");

    public static TheoryData<string> AdaptiveCases => TorchLayersB.Cases("AdaptiveAvgPool2d");

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPool2d_ForwardBackward_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPool2d_ForwardBackward_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    [Theory]
    [MemberData(nameof(AdaptiveCases))]
    public void AdaptiveAvgPool2d_ForwardBackward_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    /// <summary>max, k, s, p, d, ceil, countIncludePad, H, W.</summary>
    public static TheoryData<bool, int, int, int, int, bool, bool, int, int> Configurations => new()
    {
        { true, 3, 2, 1, 1, false, true, 7, 8 },
        { true, 2, 2, 1, 1, true, true, 5, 6 },
        { true, 3, 1, 1, 2, false, true, 6, 7 },
        { true, 3, 3, 1, 2, true, true, 9, 10 },
        { true, 2, 3, 0, 1, true, true, 7, 8 },
        { false, 3, 2, 1, 1, false, true, 7, 8 },
        { false, 3, 2, 1, 1, false, false, 7, 8 },
        { false, 3, 2, 1, 1, true, true, 6, 8 },
        { false, 3, 2, 1, 1, true, false, 6, 8 },
        { false, 2, 3, 0, 1, true, true, 7, 8 },
        { false, 4, 3, 2, 1, true, true, 9, 5 },
        { false, 4, 3, 2, 1, true, false, 9, 5 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_MatchesNaiveReference(bool max, int k, int s, int p, int d, bool ceil, bool countIncludePad, int h, int w)
    {
        var random = new Random(k + s + p + d + h + w);
        Pool2d pool = max ? new MaxPool2d(k, s, p, d, ceil) : new AvgPool2d(k, s, p, ceil, countIncludePad);
        Tensor x = Arrays.Random(random, 2, 3, h, w);

        Tensor y = pool.Forward(x);

        double[] expected = DoubleReferenceB.Pool2d(x.ToDouble(), [2, 3, h, w], k, s, p, d, ceil, max, countIncludePad, out int[] shape);
        y.Shape.ToArray().Should().Equal(shape);
        y.ToArray().Should().BeCloseTo(expected.Select(v => (float)v).ToArray(), 1e-6, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_MatchesCentralDifferences(bool max, int k, int s, int p, int d, bool ceil, bool countIncludePad, int h, int w)
    {
        var random = new Random(5 * (k + s + p + d + h + w));
        Pool2d pool = max ? new MaxPool2d(k, s, p, d, ceil) : new AvgPool2d(k, s, p, ceil, countIncludePad);
        Tensor x = Arrays.Random(random, 1, 2, h, w);
        Tensor r = Arrays.Random(random, pool.Forward(x).Shape.ToArray());

        Tensor dx = pool.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        double[] numerical = DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(DoubleReferenceB.Pool2d(xd, [1, 2, h, w], k, s, p, d, ceil, max, countIncludePad, out _), rd));
        dx.ToArray().ShouldMatchNumerical(numerical, $"{pool} input gradient");
    }

    [Fact]
    public void IsPlain_OnlyWithoutPaddingDilationCeil()
    {
        new MaxPool2d(2).IsPlain.Should().BeTrue();
        new AvgPool2d(2, 2, countIncludePad: false).IsPlain.Should().BeTrue();
        new MaxPool2d(2, padding: 1).IsPlain.Should().BeFalse();
        new MaxPool2d(2, dilation: 2).IsPlain.Should().BeFalse();
        new AvgPool2d(2, ceilMode: true).IsPlain.Should().BeFalse();
    }

    [Fact]
    public void AvgPool2d_CeilModeByHand_LastWindowDividesByItsPartInsideTheInput()
    {
        // 1×3 input, k=2, s=2, ceil: windows [0, 2) and [2, 4) → the second holds only x[2], divisor 1.
        var pool = new AvgPool2d(2, ceilMode: true);

        Tensor y = pool.Forward(Tensor.FromArray([1f, 3f, 5f, 2f, 4f, 9f], 1, 1, 2, 3));

        y.ToArray().Should().Equal(2.5f, 7f);
    }

    [Fact]
    public void MaxPool2d_PaddingIsMinusInfinity_NegativeInputsSurvive()
    {
        var pool = new MaxPool2d(2, 2, padding: 1);

        Tensor y = pool.Forward(Tensor.FromArray([-1f, -2f, -3f, -4f], 1, 1, 2, 2));

        y.ToArray().Should().Equal(-1f, -2f, -3f, -4f);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Constructor_PaddingAboveHalfKernel_Throws(bool max)
    {
        Action act = () => _ = max ? new MaxPool2d(3, padding: 2) : (Pool2d)new AvgPool2d(3, padding: 2);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"{(max ? "MaxPool2d" : "AvgPool2d")}: padding should be at most half of the kernel size (3), got 2.*");
    }

    [Fact]
    public void Forward_DilatedWindowLargerThanInput_ThrowsNamingShapes()
    {
        Action act = () => new MaxPool2d(3, 1, dilation: 3).Forward(new Tensor(1, 1, 6, 6));

        act.Should().Throw<ArgumentException>().WithMessage("MaxPool2d(k=3, stride=1, dilation=3): input of 6×6 pixels is smaller than the 3×3 window dilated by 3 (input shape [1, 1, 6, 6])*");
    }

    [Theory]
    [InlineData(1, 1, 5, 7)]
    [InlineData(2, 3, 6, 9)]
    [InlineData(3, 4, 7, 9)]
    [InlineData(5, 5, 3, 4)]
    [InlineData(4, 2, 9, 3)]
    public void AdaptiveAvgPool2d_ForwardAndBackward_MatchReferenceAndCentralDifferences(int oh, int ow, int h, int w)
    {
        var random = new Random(oh + ow + h + w);
        var pool = new AdaptiveAvgPool2d((oh, ow));
        Tensor x = Arrays.Random(random, 2, 2, h, w);
        Tensor y = pool.Forward(x);
        Tensor r = Arrays.Random(random, y.Shape.ToArray());

        Tensor dx = pool.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        y.ToArray().Should().BeCloseTo(DoubleReferenceB.AdaptiveAvgPool2d(xd, [2, 2, h, w], oh, ow).Select(v => (float)v).ToArray(), 1e-6, 1e-5);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(DoubleReferenceB.AdaptiveAvgPool2d(xd, [2, 2, h, w], oh, ow), rd)), "input gradient");
    }

    [Fact]
    public void AdaptiveAvgPool2d_BadArguments_Throw()
    {
        Action ctor = () => _ = new AdaptiveAvgPool2d((0, 2));
        Action rank = () => new AdaptiveAvgPool2d(2).Forward(new Tensor(2, 3, 4));

        ctor.Should().Throw<ArgumentOutOfRangeException>().WithMessage("AdaptiveAvgPool2d: outputSize must be positive, got 0.*");
        rank.Should().Throw<ArgumentException>().WithMessage("AdaptiveAvgPool2d(2): expected a rank-4 input [N, C, H, W], got rank 3 [2, 3, 4]*");
    }
}
