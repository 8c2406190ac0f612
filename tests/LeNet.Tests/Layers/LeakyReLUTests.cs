using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class LeakyReLUTests
{
    [Theory]
    [InlineData("leaky_relu", 0.01f)]
    [InlineData("leaky_relu_0.2", 0.2f)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, float slope) => new LeakyReLU(slope).ShouldMatchTorch(name);

    [Fact]
    public void Constructor_Default_IsTorchsSlope()
    {
        var layer = new LeakyReLU();

        layer.NegativeSlope.Should().Be(0.01f);
        layer.ToString().Should().Be("LeakyReLU(negative_slope=0.01)");
    }

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new LeakyReLU(0.3f).ShouldMatchCentralDifferences([3, 17], x => NaiveLayersA.Map(x, v => NaiveLayersA.LeakyRelu(v, 0.3)), seed: 2);

    [Fact]
    public void Constructor_NaNSlope_Throws()
    {
        Action act = () => _ = new LeakyReLU(float.NaN);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("LeakyReLU", "negativeSlope");
    }
}
