using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class PixelShuffleTests
{
    [Theory]
    [InlineData("pixel_shuffle_2", 2)]
    [InlineData("pixel_shuffle_3", 3)]
    [InlineData("pixel_shuffle_3d", 2)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int r) => new PixelShuffle(r).ShouldMatchTorch(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences()
    {
        int[] shape = [2, 8, 2, 3];
        new PixelShuffle(2).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.PixelShuffle(x, shape, 2), seed: 60);
    }

    [Fact]
    public void GetOutputShape_MovesChannelsIntoSpace() => new PixelShuffle(3).GetOutputShape([5, 18, 4, 2]).Should().Equal(5, 2, 12, 6);

    [Fact]
    public void Forward_ChannelsNotDivisible_ThrowsWithExpectedAndActual()
    {
        Action act = () => new PixelShuffle(2).Forward(new Tensor(1, 6, 2, 2));

        act.ShouldThrowNaming<ArgumentException>("PixelShuffle(upscale_factor=2)", "divisible", "4", "got 6", "[1, 6, 2, 2]");
    }

    [Fact]
    public void Constructor_ZeroFactor_Throws()
    {
        Action act = () => _ = new PixelShuffle(0);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("PixelShuffle", "upscaleFactor");
    }
}
