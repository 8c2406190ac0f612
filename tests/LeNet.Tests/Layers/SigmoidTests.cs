using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SigmoidTests
{
    [Fact]
    public void Forward_KnownValues_MatchLogisticFunction()
    {
        var x = Tensor.FromArray([0f, 2f, -2f, 50f, -50f, 1e-3f], 2, 3);

        Tensor y = new Sigmoid().Forward(x);

        y.Shape.ToArray().Should().Equal(2, 3);
        float[] expected = x.ToArray().Select(NaiveLayers.Sigmoid).ToArray();
        expected[0].Should().Be(0.5f);
        y.ToArray().Should().BeCloseTo(expected, atol: 1e-7, rtol: 1e-6);
    }

    [Fact]
    public void Forward_RandomFourDimensional_MatchesReferenceAndKeepsShape()
    {
        Tensor x = Arrays.Random(new Random(3), 3, 5, 7, 9);
        x.AsSpan()[0] = 30f;

        Tensor y = new Sigmoid().Forward(x);

        y.Shape.ToArray().Should().Equal(3, 5, 7, 9);
        y.ToArray().Should().BeCloseTo(x.ToArray().Select(NaiveLayers.Sigmoid).ToArray(), atol: 1e-7, rtol: 1e-6);
        x.AsSpan()[0].Should().Be(30f, "the input is not modified");
    }

    [Fact]
    public void Forward_Null_Throws()
    {
        Action act = () => new Sigmoid().Forward(null!);

        act.Should().Throw<ArgumentNullException>();
    }
}
