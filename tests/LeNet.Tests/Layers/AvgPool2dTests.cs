using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class AvgPool2dTests
{
    [Fact]
    public void Forward_TwoByTwoOfKnownValues_AveragesEachWindow()
    {
        var pool = new AvgPool2d(2);
        var input = Tensor.FromArray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1, 1, 4, 4);

        Tensor output = pool.Forward(input);

        // (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4.
        output.Shape.ToArray().Should().Equal(1, 1, 2, 2);
        output.ToArray().Should().Equal(3.5f, 5.5f, 11.5f, 13.5f);
    }

    [Fact]
    public void Constructor_NoStride_DefaultsToKernelSize()
    {
        new AvgPool2d(3).Stride.Should().Be((3, 3));
        new AvgPool2d(3, stride: 1).Stride.Should().Be((1, 1));
    }

    [Theory]
    [InlineData(1, 6, 28, 28, 2, 2)]
    [InlineData(3, 16, 10, 10, 2, 2)]
    [InlineData(2, 3, 7, 9, 3, 1)]
    [InlineData(1, 2, 7, 7, 2, 2)]
    [InlineData(4, 1, 9, 5, 3, 2)]
    [InlineData(33, 17, 3, 3, 1, 1)]
    public void Forward_RandomInput_MatchesNaiveReference(int n, int c, int h, int w, int k, int s)
    {
        var random = new Random(n + c + h + w + k + s);
        var pool = new AvgPool2d(k, s);
        Tensor input = Arrays.Random(random, n, c, h, w);

        Tensor output = pool.Forward(input);

        float[,,,] expected = NaiveLayers.AvgPool2d(Arrays.To4D(input), k, s);
        output.Shape.ToArray().Should().Equal(n, c, expected.GetLength(2), expected.GetLength(3));
        output.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-6);
    }

    [Fact]
    public void Forward_InputSmallerThanWindow_NamesLayerAndShape()
    {
        var pool = new AvgPool2d(2);

        Action act = () => pool.Forward(new Tensor(1, 1, 1, 5));

        act.Should().Throw<ArgumentException>().WithMessage("AvgPool2d(k=2, stride=2): input of 1×5 pixels is smaller than the 2×2 window*[1, 1, 1, 5]*");
    }

    [Fact]
    public void Forward_WrongRank_Throws()
    {
        Action act = () => new AvgPool2d(2).Forward(new Tensor(4, 4));

        act.Should().Throw<ArgumentException>().WithMessage("AvgPool2d*rank-4*got rank 2 [4, 4]*");
    }

    [Fact]
    public void Forward_Null_Throws()
    {
        Action act = () => new AvgPool2d(2).Forward(null!);

        act.Should().Throw<ArgumentNullException>();
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(2, 0)]
    [InlineData(-1, 1)]
    public void Constructor_InvalidArgument_Throws(int k, int? s)
    {
        Action act = () => _ = new AvgPool2d(k, s);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
