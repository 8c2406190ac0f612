using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

[Collection(SerialTestGroup.Name)]
public class ConvTranspose2dTests
{
    public static TheoryData<string> TorchCases => TorchLayersB.Cases("ConvTranspose2d");

    [Theory]
    [MemberData(nameof(TorchCases))]
    public void ForwardBackward_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    /// <summary>in, out, kH, kW, sH, sW, pH, pW, opH, opW, dH, dW, groups, H, W.</summary>
    public static TheoryData<int[]> Configurations => new()
    {
        new[] { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 3, 4 },
        new[] { 2, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 4, 5 },
        new[] { 4, 6, 2, 3, 1, 2, 0, 1, 0, 1, 2, 1, 2, 5, 3 },
        new[] { 3, 3, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 3, 3, 3 },
        new[] { 2, 2, 3, 2, 3, 1, 2, 0, 2, 0, 1, 2, 1, 3, 6 },
        new[] { 6, 9, 1, 3, 1, 1, 0, 0, 0, 0, 1, 3, 3, 2, 7 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_MatchesNaiveScatter(int[] a)
    {
        (int c, int o, int kh, int kw, int sh, int sw, int ph, int pw, int oph, int opw, int dh, int dw, int groups, int h, int w) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
        var random = new Random(c + o + kh + kw + h + w + sh);
        var layer = new ConvTranspose2d(c, o, (kh, kw), (sh, sw), (ph, pw), (oph, opw), true, (dh, dw), groups, random);
        Tensor x = Arrays.Random(random, 3, c, h, w);

        Tensor y = layer.Forward(x);

        double[] expected = DoubleReferenceB.ConvTranspose2d(x.ToDouble(), [3, c, h, w], layer.Weight.Value.ToDouble(), layer.Bias!.Value.ToDouble(), o, (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw), groups, out int[] shape);
        y.Shape.ToArray().Should().Equal(shape);
        y.ToArray().Should().BeCloseTo(expected.Select(v => (float)v).ToArray(), 1e-5, 1e-4);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_MatchesCentralDifferences(int[] a)
    {
        (int c, int o, int kh, int kw, int sh, int sw, int ph, int pw, int oph, int opw, int dh, int dw, int groups, int h, int w) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
        var random = new Random(3 * (c + o + kh + kw + h + w + sh));
        var layer = new ConvTranspose2d(c, o, (kh, kw), (sh, sw), (ph, pw), (oph, opw), true, (dh, dw), groups, random);
        Tensor x = Arrays.Random(random, 2, c, h, w);
        Tensor r = Arrays.Random(random, layer.Forward(x).Shape.ToArray());

        Tensor dx = layer.Backward(r);

        double[] xd = x.ToDouble(), wd = layer.Weight.Value.ToDouble(), bd = layer.Bias!.Value.ToDouble(), rd = r.ToDouble();
        double Loss() => DoubleReference.Project(DoubleReferenceB.ConvTranspose2d(xd, [2, c, h, w], wd, bd, o, (kh, kw), (sh, sw), (ph, pw), (oph, opw), (dh, dw), groups, out _), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        layer.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd, Loss), "weight gradient");
        layer.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd, Loss), "bias gradient");
    }

    [Fact]
    public void Constructor_WeightShapeAndInitBound_ArePyTorchs()
    {
        var layer = new ConvTranspose2d(8, 4, 3, groups: 2, random: new Random(2));

        layer.Weight.Value.Shape.ToArray().Should().Equal(8, 2, 3, 3);
        // fan_in = weight.size(1)·kH·kW = 2·3·3 = 18.
        layer.Weight.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= 1 / Math.Sqrt(18));
        layer.Weight.Value.ToArray().Should().Contain(v => Math.Abs(v) > 0.9 / Math.Sqrt(18));
    }

    [Theory]
    [InlineData(2, 1, 1)]
    [InlineData(1, 1, 1)]
    [InlineData(3, 2, 3)]
    public void Constructor_OutputPaddingNotBelowStrideOrDilation_Throws(int outputPadding, int stride, int dilation)
    {
        Action act = () => _ = new ConvTranspose2d(1, 1, 3, stride: stride, outputPadding: outputPadding, dilation: dilation);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("ConvTranspose2d: output padding must be smaller than either stride or dilation*");
    }

    [Fact]
    public void Forward_WrongChannels_ThrowsNamingLayerExpectedActual()
    {
        Action act = () => new ConvTranspose2d(2, 3, 3, stride: 2).Forward(new Tensor(1, 3, 4, 4));

        act.Should().Throw<ArgumentException>().WithMessage("ConvTranspose2d(2→3, k=3, stride=2): expected 2 input channels, got 3 (input shape [1, 3, 4, 4])*");
    }

    [Fact]
    public void Forward_PaddingRemovesEverything_Throws()
    {
        Action act = () => new ConvTranspose2d(1, 1, 1, padding: 1).Forward(new Tensor(1, 1, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage("ConvTranspose2d(1→1, k=1, padding=1): input of 2×2 pixels gives an output of 0×0*");
    }
}
