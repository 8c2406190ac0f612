using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class Conv2dTests
{
    // (batch, in, out, height, width, kernel, stride, padding, bias): LeNet's own layers, odd sizes,
    // strides that skip the last columns, padding wider than half the kernel, 1×1 kernels.
    public static TheoryData<int, int, int, int, int, int, int, int, bool> Configurations => new()
    {
        { 1, 1, 6, 28, 28, 5, 1, 2, true },
        { 2, 6, 16, 14, 14, 5, 1, 0, true },
        { 3, 2, 3, 7, 9, 3, 1, 1, false },
        { 1, 3, 4, 8, 8, 3, 2, 1, true },
        { 2, 1, 2, 11, 6, 4, 3, 0, true },
        { 1, 4, 5, 5, 5, 5, 1, 0, true },
        { 1, 2, 2, 3, 4, 2, 2, 3, true },
        { 5, 3, 1, 6, 7, 1, 1, 0, true },
        { 1, 17, 3, 9, 13, 3, 1, 2, false },
        { 33, 1, 2, 5, 6, 2, 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_RandomInput_MatchesNaiveReference(int n, int c, int o, int h, int w, int k, int s, int p, bool bias)
    {
        var random = new Random(1234 + n + c + o + h + w + k + s + p);
        var conv = new Conv2d(c, o, k, stride: s, padding: p, bias: bias, random: random);
        Tensor input = Arrays.Random(random, n, c, h, w);

        Tensor output = conv.Forward(input);

        float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(input), Arrays.To4D(conv.Weight.Value), conv.Bias?.Value.ToArray(), s, p);
        output.Shape.ToArray().Should().Equal(expected.GetLength(0), expected.GetLength(1), expected.GetLength(2), expected.GetLength(3));
        output.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5);
    }

    [Fact]
    public void Forward_AllOnesKernel_SumsEachWindow()
    {
        var conv = new Conv2d(1, 1, 2, bias: false);
        conv.Weight.Value.AsSpan().Fill(1f);
        var input = Tensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);

        Tensor output = conv.Forward(input);

        // 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
        output.Shape.ToArray().Should().Equal(1, 1, 2, 2);
        output.ToArray().Should().Equal(12f, 16f, 24f, 28f);
    }

    [Fact]
    public void Forward_ZeroPadding_BordersSeeZeros()
    {
        var conv = new Conv2d(1, 1, 3, padding: 1, bias: false);
        conv.Weight.Value.AsSpan().Fill(1f);
        var input = new Tensor(1, 1, 3, 3);
        input.AsSpan().Fill(1f);

        Tensor output = conv.Forward(input);

        // Each output counts the real pixels under its 3×3 window: 4 at corners, 6 on edges, 9 inside.
        output.ToArray().Should().Equal(4f, 6f, 4f, 6f, 9f, 6f, 4f, 6f, 4f);
    }

    [Fact]
    public void Forward_StrideTwoTwoChannels_MatchesHandComputation()
    {
        var conv = new Conv2d(2, 1, 2, stride: 2);
        // Channel 0 taps all 1, channel 1 taps all −1, bias 0.5.
        conv.Weight.Value.AsSpan()[..4].Fill(1f);
        conv.Weight.Value.AsSpan()[4..].Fill(-1f);
        conv.Bias!.Value.AsSpan()[0] = 0.5f;
        var input = new Tensor(1, 2, 4, 4);
        for (int i = 0; i < 16; i++)
        {
            input.AsSpan()[i] = i;          // channel 0: 0..15
            input.AsSpan()[16 + i] = 1f;    // channel 1: ones
        }

        Tensor output = conv.Forward(input);

        // Windows of channel 0: 0+1+4+5=10, 2+3+6+7=18, 8+9+12+13=42, 10+11+14+15=50; minus 4, plus 0.5.
        output.ToArray().Should().Equal(6.5f, 14.5f, 38.5f, 46.5f);
    }

    [Fact]
    public void Forward_ZeroWeights_OutputIsBias()
    {
        var conv = new Conv2d(3, 2, 3);
        conv.Weight.Value.AsSpan().Clear();
        conv.Bias!.Value.AsSpan()[0] = 0.25f;
        conv.Bias!.Value.AsSpan()[1] = -2f;

        Tensor output = conv.Forward(Arrays.Random(new Random(1), 2, 3, 5, 5));

        output.Shape.ToArray().Should().Equal(2, 2, 3, 3);
        for (int n = 0; n < 2; n++)
        {
            output.AsSpan().Slice(n * 18, 9).ToArray().Should().OnlyContain(v => v == 0.25f);
            output.AsSpan().Slice((n * 18) + 9, 9).ToArray().Should().OnlyContain(v => v == -2f);
        }
    }

    [Theory]
    [InlineData(28, 5, 1, 2, 28)]
    [InlineData(14, 5, 1, 0, 10)]
    [InlineData(32, 3, 2, 1, 16)]
    [InlineData(7, 3, 3, 0, 2)]
    [InlineData(5, 5, 1, 0, 1)]
    public void GetOutputShape_FollowsTorchFormula(int size, int k, int s, int p, int expected)
    {
        var conv = new Conv2d(3, 8, k, stride: s, padding: p);

        conv.GetOutputShape([4, 3, size, size]).Should().Equal(4, 8, expected, expected);
    }

    [Fact]
    public void Forward_Null_ThrowsArgumentNull()
    {
        var conv = new Conv2d(1, 6, 5);

        Action act = () => conv.Forward(null!);

        act.Should().Throw<ArgumentNullException>().WithMessage("*Conv2d(1→6, k=5)*");
    }

    [Fact]
    public void Forward_WrongRank_NamesLayerExpectedAndActual()
    {
        var conv = new Conv2d(1, 6, 5);

        Action act = () => conv.Forward(new Tensor(1, 28, 28));

        act.Should().Throw<ArgumentException>().WithMessage("Conv2d(1→6, k=5): expected a rank-4 input [N, 1, H, W], got rank 3 [1, 28, 28]*");
    }

    [Fact]
    public void Forward_WrongChannelCount_NamesLayerExpectedAndActual()
    {
        var conv = new Conv2d(1, 6, 5, padding: 2);

        Action act = () => conv.Forward(new Tensor(2, 3, 28, 28));

        act.Should().Throw<ArgumentException>().WithMessage("Conv2d(1→6, k=5, padding=2): expected 1 input channel, got 3 (input shape [2, 3, 28, 28])*");
    }

    [Fact]
    public void Forward_InputSmallerThanKernel_Throws()
    {
        var conv = new Conv2d(6, 16, 5);

        Action act = () => conv.Forward(new Tensor(1, 6, 4, 10));

        act.Should().Throw<ArgumentException>().WithMessage("Conv2d(6→16, k=5): input of 4×10 pixels*smaller than the 5×5 kernel*[1, 6, 4, 10]*");
    }

    [Fact]
    public void Forward_EmptyBatch_ThrowsInsteadOfReturningNothing()
    {
        var conv = new Conv2d(1, 6, 5);

        Action act = () => conv.Forward(new Tensor(0, 1, 28, 28));

        act.Should().Throw<ArgumentException>().WithMessage("*positive*[0, 1, 28, 28]*");
    }

    [Theory]
    [InlineData(0, 6, 5, 1, 0, "inChannels")]
    [InlineData(1, 0, 5, 1, 0, "outChannels")]
    [InlineData(1, 6, 0, 1, 0, "kernelSize")]
    [InlineData(1, 6, 5, 0, 0, "stride")]
    [InlineData(1, 6, 5, 1, -1, "padding")]
    public void Constructor_InvalidArgument_Throws(int c, int o, int k, int s, int p, string parameter)
    {
        Action act = () => _ = new Conv2d(c, o, k, stride: s, padding: p);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(parameter);
    }

    [Fact]
    public void Constructor_DefaultInit_IsTorchUniformBoundAndSeeded()
    {
        var a = new Conv2d(6, 16, 5, random: new Random(3));
        var b = new Conv2d(6, 16, 5, random: new Random(3));
        var c = new Conv2d(6, 16, 5, random: new Random(4));
        double bound = 1 / Math.Sqrt(6 * 5 * 5);

        a.Weight.Value.Shape.ToArray().Should().Equal(16, 6, 5, 5);
        a.Bias!.Value.Shape.ToArray().Should().Equal(16);
        a.Weight.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        a.Bias.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        // 2,400 uniform draws reach close to both ends of the interval.
        a.Weight.Value.ToArray().Max().Should().BeGreaterThan((float)(0.95 * bound));
        a.Weight.Value.ToArray().Min().Should().BeLessThan((float)(-0.95 * bound));
        b.Weight.Value.ToArray().Should().Equal(a.Weight.Value.ToArray());
        c.Weight.Value.ToArray().Should().NotEqual(a.Weight.Value.ToArray());
    }

    [Fact]
    public void NamedParameters_WithoutBias_HasOnlyWeight()
    {
        new Conv2d(1, 2, 3, bias: false).NamedParameters().Select(p => p.Name).Should().Equal("weight");
        new Conv2d(1, 2, 3).NamedParameters().Select(p => p.Name).Should().Equal("weight", "bias");
    }
}
