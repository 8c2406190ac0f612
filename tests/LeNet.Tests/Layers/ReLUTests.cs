using LeNet.Layers;

namespace LeNet.Tests.Layers;

public class ReLUTests
{
    [Fact]
    public void Forward_ClampsNegativesToZero_KeepsPositivesAndShape()
    {
        var x = Tensor.FromArray([-2f, -0.5f, 0f, 0.5f, 3f, -1e-30f], 2, 3);

        Tensor y = new ReLU().Forward(x);

        y.Shape.ToArray().Should().Equal(2, 3);
        y.ToArray().Should().Equal(0f, 0f, 0f, 0.5f, 3f, 0f);
    }

    [Fact]
    public void Forward_Null_Throws()
    {
        Action act = () => new ReLU().Forward(null!);

        act.Should().Throw<ArgumentNullException>().WithMessage("*ReLU()*");
    }
}
