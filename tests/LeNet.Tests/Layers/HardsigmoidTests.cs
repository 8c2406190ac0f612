using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class HardsigmoidTests
{
    [Theory]
    [InlineData("hardsigmoid")]
    [InlineData("hardsigmoid_kinks")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name) => new Hardsigmoid().ShouldMatchTorchC(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new Hardsigmoid().ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.Hardsigmoid), seed: 12, scale: 5);

    /// <summary>PyTorch: dx = dy/6 strictly inside (−3, 3), 0 at both kinks and outside.</summary>
    [Theory]
    [InlineData(-4f, 0f)]
    [InlineData(-3f, 0f)]
    [InlineData(-2.9999998f, 1f / 6f)]
    [InlineData(0f, 1f / 6f)]
    [InlineData(2.9999998f, 1f / 6f)]
    [InlineData(3f, 0f)]
    [InlineData(4f, 0f)]
    public void ForwardBackward_AtAndAroundTheKinks_FollowPyTorch(float x, float dx)
    {
        (float actualY, float actualDx) = new Hardsigmoid().AtPoint(x);

        actualY.Should().BeApproximately((float)NaiveLayersC.Hardsigmoid(x), 6e-8f);
        actualDx.Should().Be(dx);
    }

    [Fact]
    public void Forward_Saturates_AtZeroAndOne()
    {
        float[] y = new Hardsigmoid().Forward(Tensor.FromArray([-3f, 3f, -1e30f, 1e30f], 4)).ToArray();

        y.Should().Equal(0f, 1f, 0f, 1f);
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new Hardsigmoid().ToString().Should().Be("Hardsigmoid()");
}
