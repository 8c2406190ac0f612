using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ZeroPad2dTests
{
    [Fact]
    public void ForwardBackward_IntPadding_MatchesPyTorch() => new ZeroPad2d(2).ShouldMatchTorch("zero_pad_2");

    [Fact]
    public void ForwardBackward_TuplePadding_MatchesPyTorch() => new ZeroPad2d((1, 2, 0, 3)).ShouldMatchTorch("zero_pad_1203");

    [Fact]
    public void ForwardBackward_Unbatched_MatchesPyTorch() => new ZeroPad2d((2, 0, 1, 1)).ShouldMatchTorch("zero_pad_3d");

    [Fact]
    public void Backward_Random_MatchesCentralDifferences()
    {
        int[] shape = [2, 2, 3, 4];
        new ZeroPad2d((1, 0, 2, 1)).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Pad(x, shape, (1, 0, 2, 1), "constant"), seed: 50);
    }

    [Fact]
    public void GetOutputShape_IsTorchsOrder() => new ZeroPad2d((1, 2, 3, 4)).GetOutputShape([1, 1, 5, 6]).Should().Equal(1, 1, 12, 9);

    [Fact]
    public void Forward_RankTwo_ThrowsWithExpectedAndActual()
    {
        Action act = () => new ZeroPad2d(1).Forward(new Tensor(3, 3));

        act.ShouldThrowNaming<ArgumentException>("ZeroPad2d((1, 1, 1, 1))", "[N, C, H, W]", "[3, 3]");
    }

    [Fact]
    public void Constructor_NegativePadding_Throws()
    {
        Action act = () => _ = new ZeroPad2d((0, -1, 0, 0));

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("ZeroPad2d", "right = -1");
    }
}
