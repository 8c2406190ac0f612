using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ConstantPad2dTests
{
    [Fact]
    public void ForwardBackward_TuplePadding_MatchesPyTorch() => new ConstantPad2d((2, 1, 3, 0), 1.5f).ShouldMatchTorch("constant_pad_2130");

    [Fact]
    public void ForwardBackward_IntPadding_MatchesPyTorch() => new ConstantPad2d(1, -0.25f).ShouldMatchTorch("constant_pad_1");

    [Fact]
    public void Backward_Random_MatchesCentralDifferences()
    {
        int[] shape = [1, 3, 4, 2];
        new ConstantPad2d((2, 1, 0, 1), 3f).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Pad(x, shape, (2, 1, 0, 1), "constant", 3), seed: 51);
    }

    [Fact]
    public void Forward_ByHand_FillsTheBorderWithTheValue()
    {
        Tensor y = new ConstantPad2d((1, 0, 0, 1), 9f).Forward(Tensor.FromArray([1f, 2f], 1, 1, 2));

        y.Shape.ToArray().Should().Equal(1, 2, 3);
        y.ToArray().Should().Equal(9f, 1f, 2f, 9f, 9f, 9f);
    }

    [Fact]
    public void ToString_ShowsPaddingAndValue() => new ConstantPad2d(1, 1.5f).ToString().Should().Be("ConstantPad2d((1, 1, 1, 1), value=1.5)");
}
