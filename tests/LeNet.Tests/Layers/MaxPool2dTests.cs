using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class MaxPool2dTests
{
    [Fact]
    public void Forward_TwoByTwoOfKnownValues_TakesEachWindowsMax()
    {
        var input = Tensor.FromArray([1, -2, 3, 4, 5, 6, -7, 8, -9, 10, 11, 12, 13, 14, 15, -16], 1, 1, 4, 4);

        Tensor output = new MaxPool2d(2).Forward(input);

        // max(1,−2,5,6), max(3,4,−7,8), max(−9,10,13,14), max(11,12,15,−16).
        output.ToArray().Should().Equal(6f, 8f, 14f, 15f);
    }

    [Theory]
    [InlineData(1, 6, 28, 28, 2, 2)]
    [InlineData(3, 16, 10, 10, 2, 2)]
    [InlineData(2, 3, 7, 9, 3, 1)]
    [InlineData(4, 1, 9, 5, 3, 2)]
    [InlineData(33, 17, 3, 3, 2, 1)]
    public void Forward_RandomInput_MatchesNaiveReference(int n, int c, int h, int w, int k, int s)
    {
        Tensor input = Arrays.Random(new Random(n + c + h + w + k + s), n, c, h, w);

        Tensor output = new MaxPool2d(k, s).Forward(input);

        output.ToArray().Should().Equal(Arrays.Flat(NaiveLayers.MaxPool2d(Arrays.To4D(input), k, s)));
    }

    [Fact]
    public void Forward_AllNegativeWindow_ReturnsItsMaxNotZero()
    {
        var input = Tensor.FromArray([-5, -3, -4, -8], 1, 1, 2, 2);

        new MaxPool2d(2).Forward(input).ToArray().Should().Equal(-3f);
    }

    [Fact]
    public void Forward_NaNInWindow_PropagatesLikeTorch()
    {
        var input = Tensor.FromArray([1, float.NaN, 3, 4], 1, 1, 2, 2);

        float.IsNaN(new MaxPool2d(2).Forward(input)[0, 0, 0, 0]).Should().BeTrue();
    }

    [Fact]
    public void Forward_InputSmallerThanWindow_NamesLayer()
    {
        Action act = () => new MaxPool2d(3, 1).Forward(new Tensor(1, 1, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage("MaxPool2d(k=3, stride=1): input of 2×2 pixels is smaller than the 3×3 window*");
    }

    [Fact]
    public void Constructor_InvalidKernel_ThrowsNamingLayer()
    {
        Action act = () => _ = new MaxPool2d(0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("MaxPool2d: kernelSize must be positive*");
    }
}
