using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ReflectionPad2dTests
{
    [Theory]
    [InlineData("reflection_pad_2")]
    [InlineData("reflection_pad_3120")]
    [InlineData("reflection_pad_3d")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name)
    {
        ReflectionPad2d layer = name switch
        {
            "reflection_pad_2" => new ReflectionPad2d(2),
            "reflection_pad_3120" => new ReflectionPad2d((3, 1, 2, 0)),
            _ => new ReflectionPad2d((1, 2, 3, 1)),
        };

        layer.ShouldMatchTorch(name);
    }

    [Fact]
    public void Backward_Random_AccumulatesLikeCentralDifferences()
    {
        int[] shape = [2, 1, 4, 5];
        new ReflectionPad2d((4, 3, 3, 2)).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Pad(x, shape, (4, 3, 3, 2), "reflect"), seed: 52);
    }

    [Fact]
    public void Forward_ByHand_MirrorsWithoutTheEdge()
    {
        Tensor y = new ReflectionPad2d((2, 2, 0, 0)).Forward(Tensor.FromArray([1f, 2f, 3f], 1, 1, 3));

        y.ToArray().Should().Equal(3f, 2f, 1f, 2f, 3f, 2f, 1f);
    }

    [Fact]
    public void Forward_PaddingNotLessThanInput_ThrowsLikeTorch()
    {
        Action act = () => new ReflectionPad2d(3).Forward(new Tensor(1, 1, 3, 8));

        act.ShouldThrowNaming<ArgumentException>("ReflectionPad2d((3, 3, 3, 3))", "padding size should be less than the corresponding input dimension", "height 3", "[1, 1, 3, 8]");
    }
}
