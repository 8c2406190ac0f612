using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class LinearTests
{
    [Fact]
    public void Forward_WorkedExample_IsXTimesWTransposedPlusB()
    {
        var linear = new Linear(3, 2);
        float[] w = [1, 0, -1, 2, 1, 0];
        w.CopyTo(linear.Weight.Value.AsSpan());
        linear.Bias!.Value.AsSpan()[0] = 0.5f;
        linear.Bias!.Value.AsSpan()[1] = -1f;
        var x = Tensor.FromArray([1, 2, 3, 0, -1, 4], 2, 3);

        Tensor y = linear.Forward(x);

        // Row 0: 1−3+0.5 = −1.5 and 2+2−1 = 3; row 1: 0−4+0.5 = −3.5 and 0−1−1 = −2.
        y.Shape.ToArray().Should().Equal(2, 2);
        y.ToArray().Should().Equal(-1.5f, 3f, -3.5f, -2f);
    }

    [Theory]
    [InlineData(1, 400, 120, true)]
    [InlineData(7, 120, 84, true)]
    [InlineData(33, 84, 10, false)]
    [InlineData(3, 1, 1, true)]
    [InlineData(2, 17, 5, true)]
    public void Forward_RandomInput_MatchesNaiveReference(int n, int inF, int outF, bool bias)
    {
        var random = new Random(n * inF * outF);
        var linear = new Linear(inF, outF, bias, random);
        Tensor x = Arrays.Random(random, n, inF);

        Tensor y = linear.Forward(x);

        float[,] expected = NaiveLayers.Linear(Arrays.To2D(x), Arrays.To2D(linear.Weight.Value), linear.Bias?.Value.ToArray());
        y.Shape.ToArray().Should().Equal(n, outF);
        y.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5);
    }

    [Fact]
    public void Forward_LeadingDimensions_AreKept()
    {
        var linear = new Linear(4, 3, random: new Random(2));
        Tensor x = Arrays.Random(new Random(5), 2, 5, 4);

        Tensor y = linear.Forward(x);

        float[,] expected = NaiveLayers.Linear(Arrays.To2D(x.Reshape(10, 4)), Arrays.To2D(linear.Weight.Value), linear.Bias!.Value.ToArray());
        y.Shape.ToArray().Should().Equal(2, 5, 3);
        y.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-6);
    }

    [Fact]
    public void Forward_WrongFeatureCount_NamesLayerExpectedAndActual()
    {
        var linear = new Linear(400, 120);

        Action act = () => linear.Forward(new Tensor(2, 399));

        act.Should().Throw<ArgumentException>().WithMessage("Linear(400→120): expected 400 input features in the last dimension, got 399 (input shape [2, 399])*");
    }

    [Fact]
    public void Forward_Null_Throws()
    {
        Action act = () => new Linear(2, 2).Forward(null!);

        act.Should().Throw<ArgumentNullException>().WithMessage("*Linear(2→2)*");
    }

    [Fact]
    public void Forward_ScalarInput_Throws()
    {
        Action act = () => new Linear(1, 2).Forward(new Tensor());

        act.Should().Throw<ArgumentException>().WithMessage("Linear(1→2)*rank 0*");
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    [InlineData(-2, 3)]
    public void Constructor_InvalidArgument_Throws(int inF, int outF)
    {
        Action act = () => _ = new Linear(inF, outF);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Constructor_DefaultInit_IsTorchUniformBound()
    {
        var linear = new Linear(400, 120, random: new Random(9));
        double bound = 1 / Math.Sqrt(400);

        linear.Weight.Value.Shape.ToArray().Should().Equal(120, 400);
        linear.Weight.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        linear.Bias!.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        linear.Weight.Value.ToArray().Max().Should().BeGreaterThan((float)(0.99 * bound));
        linear.Weight.Value.ToArray().Min().Should().BeLessThan((float)(-0.99 * bound));
        // The mean of 48,000 draws from U(−b, b) is within a few standard errors (b/√3/√48000) of 0.
        linear.Weight.Value.ToArray().Average().Should().BeApproximately(0f, (float)(bound * 0.02));
    }
}
