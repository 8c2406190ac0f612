using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ReLU6Tests
{
    [Theory]
    [InlineData("relu6")]
    [InlineData("relu6_kinks")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name) => new ReLU6().ShouldMatchTorchC(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new ReLU6().ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.Relu6), seed: 11, scale: 8);

    /// <summary>PyTorch's hardtanh backward: the gradient passes only strictly inside (0, 6), so 0 at both kinks.</summary>
    [Theory]
    [InlineData(-1f, 0f, 0f)]
    [InlineData(0f, 0f, 0f)]
    [InlineData(1e-30f, 1e-30f, 1f)]
    [InlineData(3f, 3f, 1f)]
    [InlineData(5.9999995f, 5.9999995f, 1f)]
    [InlineData(6f, 6f, 0f)]
    [InlineData(6.5f, 6f, 0f)]
    [InlineData(float.PositiveInfinity, 6f, 0f)]
    [InlineData(float.NegativeInfinity, 0f, 0f)]
    public void ForwardBackward_AtAndAroundTheKinks_FollowPyTorch(float x, float y, float dx)
    {
        (float actualY, float actualDx) = new ReLU6().AtPoint(x);

        actualY.Should().Be((float)NaiveLayersC.Relu6(x)).And.Be(y);
        actualDx.Should().Be(dx);
    }

    [Fact]
    public void Forward_NaN_StaysNaN() => new ReLU6().Forward(Tensor.FromArray([float.NaN], 1)).ToArray()[0].Should().Be(float.NaN);

    [Fact]
    public void Backward_GradientOfAnotherShape_ThrowsNamingLayerExpectedAndActual()
    {
        var layer = new ReLU6();
        layer.Forward(new Tensor(2, 3));

        Action act = () => layer.Backward(new Tensor(3, 2));

        act.ShouldThrowNaming<ArgumentException>("ReLU6()", "[2, 3]", "[3, 2]");
    }

    [Fact]
    public void Forward_Null_ThrowsNamingLayer()
    {
        Action act = () => new ReLU6().Forward(null!);

        act.ShouldThrowNaming<ArgumentNullException>("ReLU6()");
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new ReLU6().ToString().Should().Be("ReLU6()");
}
