using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>Conv2d beyond the plain case: rectangular kernels, strides, paddings, dilation, groups (depthwise included).</summary>
[Collection(SerialTestGroup.Name)]
public class Conv2dGeneralTests
{
    public static TheoryData<string> TorchCases => TorchLayersB.Cases("Conv2d");

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void ForwardBackward_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    /// <summary>in, out, kH, kW, sH, sW, pH, pW, dH, dW, groups, H, W — sizes that leave GEMM tails (odd planes, 1..7 rows).</summary>
    public static TheoryData<int[]> Configurations => new()
    {
        new[] { 1, 1, 1, 1, 1, 1, 0, 0, 1, 2, 1, 3, 5 },
        new[] { 3, 5, 2, 3, 1, 2, 1, 0, 1, 1, 1, 7, 9 },
        new[] { 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 5, 5 },
        new[] { 4, 8, 3, 3, 2, 2, 2, 2, 2, 2, 2, 9, 11 },
        new[] { 6, 9, 1, 5, 1, 3, 0, 2, 1, 2, 3, 4, 17 },
        new[] { 2, 6, 5, 1, 3, 1, 2, 0, 2, 1, 2, 13, 3 },
        new[] { 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 8, 6, 6 },
        new[] { 5, 7, 2, 2, 1, 1, 0, 0, 3, 3, 1, 8, 8 },

        // Padding wider than the output: ConvNeXt's depthwise 7×7 (padding 3) on its last stage's 2×2 and 1×1 maps,
        // where the outer taps read only padding.
        new[] { 4, 4, 7, 7, 1, 1, 3, 3, 1, 1, 4, 2, 2 },
        new[] { 3, 6, 7, 5, 1, 1, 3, 2, 1, 1, 3, 1, 1 },
        new[] { 2, 2, 5, 5, 2, 2, 4, 4, 1, 1, 1, 1, 2 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_MatchesNaiveReference(int[] a)
    {
        (int c, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, int h, int w) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
        var random = new Random(c + o + kh + kw + h + w);
        var conv = new Conv2d(c, o, (kh, kw), (sh, sw), (ph, pw), true, (dh, dw), groups, random);
        Tensor x = Arrays.Random(random, 3, c, h, w);

        Tensor y = conv.Forward(x);

        double[] expected = DoubleReferenceB.Conv2d(x.ToDouble(), [3, c, h, w], conv.Weight.Value.ToDouble(), conv.Bias!.Value.ToDouble(), o, (kh, kw), (sh, sw), (ph, pw), (dh, dw), groups, out int[] shape);
        y.Shape.ToArray().Should().Equal(shape);
        y.ToArray().Should().BeCloseTo(expected.Select(v => (float)v).ToArray(), 1e-5, 1e-4);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_MatchesCentralDifferences(int[] a)
    {
        (int c, int o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int groups, int h, int w) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
        var random = new Random(7 * (c + o + kh + kw + h + w));
        var conv = new Conv2d(c, o, (kh, kw), (sh, sw), (ph, pw), true, (dh, dw), groups, random);
        Tensor x = Arrays.Random(random, 2, c, h, w);
        Tensor r = Arrays.Random(random, conv.Forward(x).Shape.ToArray());

        Tensor dx = conv.Backward(r);

        double[] xd = x.ToDouble(), wd = conv.Weight.Value.ToDouble(), bd = conv.Bias!.Value.ToDouble(), rd = r.ToDouble();
        double Loss() => DoubleReference.Project(DoubleReferenceB.Conv2d(xd, [2, c, h, w], wd, bd, o, (kh, kw), (sh, sw), (ph, pw), (dh, dw), groups, out _), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        conv.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd, Loss), "weight gradient");
        conv.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd, Loss), "bias gradient");
    }

    [Fact]
    public void ForwardBackward_ThreadCounts_BitIdentical()
    {
        Tensor x = Arrays.Random(new Random(3), 40, 4, 9, 10);
        float[] Run(int threads)
        {
            int saved = Parallelism.MaxDegreeOfParallelism;
            Parallelism.MaxDegreeOfParallelism = threads;
            try
            {
                var conv = new Conv2d(4, 6, (3, 2), (2, 1), (1, 1), true, (2, 1), 2, new Random(4));
                Tensor y = conv.Forward(x);
                Tensor dx = conv.Backward(y);
                return [.. y.ToArray(), .. dx.ToArray(), .. conv.Weight.Gradient.ToArray(), .. conv.Bias!.Gradient.ToArray()];
            }
            finally
            {
                Parallelism.MaxDegreeOfParallelism = saved;
            }
        }

        Run(2).Should().Equal(Run(1));
    }

    [Fact]
    public void Constructor_Grouped_WeightShapeAndInitBoundFromGroupFanIn()
    {
        var conv = new Conv2d(4, 8, 3, groups: 4, random: new Random(1));

        conv.Weight.Value.Shape.ToArray().Should().Equal(8, 1, 3, 3);
        conv.Weight.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= 1 / 3.0);
        conv.Weight.Value.ToArray().Should().Contain(v => Math.Abs(v) > 0.25, "the bound is 1/√(1·3·3) = 1/3, not 1/√(4·3·3) = 1/6");
    }

    [Fact]
    public void Forward_DilatedKernelLargerThanInput_ThrowsNamingShapes()
    {
        var conv = new Conv2d(1, 1, 3, dilation: 3);

        Action act = () => conv.Forward(new Tensor(1, 1, 6, 6));

        act.Should().Throw<ArgumentException>().WithMessage("Conv2d(1→1, k=3, dilation=3): input of 6×6 pixels with padding 0 is smaller than the 3×3 kernel dilated by 3*[1, 1, 6, 6]*");
    }

    [Fact]
    public void Constructor_GroupsNotDividingChannels_Throws()
    {
        Action act = () => _ = new Conv2d(4, 6, 3, groups: 4);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("Conv2d: groups (4) must divide both inChannels (4) and outChannels (6).*");
    }
}
