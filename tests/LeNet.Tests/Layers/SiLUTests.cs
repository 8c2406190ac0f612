using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SiLUTests
{
    [Theory]
    [InlineData("silu")]
    [InlineData("silu_wide")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name) => new SiLU().ShouldMatchTorchC(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new SiLU().ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.Silu), seed: 14, scale: 6);

    [Theory]
    [InlineData(0f)]
    [InlineData(-1e-3f)]
    [InlineData(1.25f)]
    [InlineData(-2.5f)]
    [InlineData(15f)]
    [InlineData(-15f)]
    public void ForwardBackward_AtPoints_MatchTheFormulaInDouble(float x)
    {
        (float y, float dx) = new SiLU().AtPoint(x);

        double sigmoid = 1 / (1 + Math.Exp(-x));
        y.Should().BeApproximately((float)NaiveLayersC.Silu(x), (float)(4e-7 * Math.Max(Math.Abs(NaiveLayersC.Silu(x)), 1e-6)));
        // 1 − σ(x) cancels for large x: σ's float rounding (6e-8) comes back multiplied by x.
        dx.Should().BeApproximately((float)(sigmoid * (1 + (x * (1 - sigmoid)))), 1e-7f * Math.Max(5f, Math.Abs(x)));
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new SiLU().ToString().Should().Be("SiLU()");
}
