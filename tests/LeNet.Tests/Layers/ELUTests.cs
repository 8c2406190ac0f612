using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ELUTests
{
    [Theory]
    [InlineData("elu", 1f)]
    [InlineData("elu_0.5", 0.5f)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, float alpha) => new ELU(alpha).ShouldMatchTorch(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new ELU(0.7f).ShouldMatchCentralDifferences([2, 19], x => NaiveLayersA.Map(x, v => NaiveLayersA.Elu(v, 0.7)), seed: 3, scale: 3);

    [Fact]
    public void Forward_VeryNegative_TendsToMinusAlpha()
    {
        Tensor y = new ELU(2f).Forward(Tensor.FromArray([-1000f, 1000f], 2));

        y.ToArray().Should().Equal(-2f, 1000f);
    }

    [Fact]
    public void Constructor_InfiniteAlpha_Throws()
    {
        Action act = () => _ = new ELU(float.PositiveInfinity);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("ELU", "alpha");
    }
}
