using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class HardswishTests
{
    [Theory]
    [InlineData("hardswish")]
    [InlineData("hardswish_kinks")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name) => new Hardswish().ShouldMatchTorchC(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new Hardswish().ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.Hardswish), seed: 13, scale: 5);

    /// <summary>
    /// PyTorch's hardswish gradient as a tensor gets it (ATen's vectorized loop, Golden/graphs/ops.json): x &lt; −3 → 0,
    /// x &lt; 3 → dy · (x/3 + 1/2), else dy: −1/2 at x = −3 and 1 at x = 3 (ATen's scalar loop, which only runs a
    /// tensor's last few elements, gives 3/2 there).
    /// </summary>
    [Theory]
    [InlineData(-4f, 0f)]
    [InlineData(-3.0000002f, 0f)]
    [InlineData(-3f, -0.5f)]
    [InlineData(0f, 0.5f)]
    [InlineData(1.5f, 1f)]
    [InlineData(3f, 1f)]
    [InlineData(3.0000002f, 1f)]
    [InlineData(100f, 1f)]
    public void ForwardBackward_AtAndAroundTheKinks_FollowATen(float x, float dx)
    {
        (float actualY, float actualDx) = new Hardswish().AtPoint(x);

        actualY.Should().BeApproximately((float)NaiveLayersC.Hardswish(x), 1e-7f * Math.Max(1f, Math.Abs(x)));
        actualDx.Should().BeApproximately(dx, 1e-7f);
    }

    [Fact]
    public void Forward_OutsideTheRamp_IsZeroOrTheInput()
    {
        float[] y = new Hardswish().Forward(Tensor.FromArray([-3f, -7f, 3f, 7.25f], 4)).ToArray();

        y.Should().Equal(0f, 0f, 3f, 7.25f);
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new Hardswish().ToString().Should().Be("Hardswish()");
}
