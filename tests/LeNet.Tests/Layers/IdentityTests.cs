using LeNet.Layers;

namespace LeNet.Tests.Layers;

public class IdentityTests
{
    [Fact]
    public void ForwardBackward_TorchCase_MatchesPyTorch() => new Identity().ShouldMatchTorch("identity");

    [Fact]
    public void ForwardBackward_ReturnTheSameTensors_AsPyTorch()
    {
        var layer = new Identity();
        var x = new Tensor(2, 3);
        var dy = new Tensor(2, 3);

        layer.Forward(x).Should().BeSameAs(x);
        layer.Backward(dy).Should().BeSameAs(dy);
    }

    [Fact]
    public void Backward_WrongShape_Throws()
    {
        var layer = new Identity();
        layer.Forward(new Tensor(2, 3));

        Action act = () => layer.Backward(new Tensor(6));

        act.ShouldThrowNaming<ArgumentException>("Identity()", "[2, 3]", "[6]");
    }
}
