using LeNet.Layers;

namespace LeNet.Tests.Layers;

public class FlattenTests
{
    [Fact]
    public void Forward_KeepsBatchAndFlattensTheRest_AsAView()
    {
        var x = new Tensor(2, 3, 4, 5);
        x[1, 2, 3, 4] = 7f;

        Tensor y = new Flatten().Forward(x);

        y.Shape.ToArray().Should().Equal(2, 60);
        y[1, 59].Should().Be(7f);
        y[0, 0] = 1f;
        x[0, 0, 0, 0].Should().Be(1f, "the output shares the input's storage, as torch's flatten does");
    }

    [Fact]
    public void GetOutputShape_TwoDimensional_IsUnchanged()
    {
        new Flatten().GetOutputShape([8, 10]).Should().Equal(8, 10);
    }

    [Fact]
    public void Forward_RankOne_ThrowsNamingLayer()
    {
        Action act = () => new Flatten().Forward(new Tensor(5));

        act.Should().Throw<ArgumentException>().WithMessage("Flatten(): expected an input of rank 2 or more*got rank 1 [5]*");
    }
}
