using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class GLUTests
{
    [Theory]
    [InlineData("glu", -1)]
    [InlineData("glu_1", 1)]
    [InlineData("glu_-2", -2)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int dim) => new GLU(dim).ShouldMatchTorch(name);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Backward_Random_MatchesCentralDifferences(int dim)
    {
        int[] shape = [4, 2, 6];
        new GLU(dim).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Glu(x, shape, dim), seed: 10 + dim, scale: 2);
    }

    [Fact]
    public void GetOutputShape_HalvesTheDimension() => new GLU(1).GetOutputShape([2, 8, 3]).Should().Equal(2, 4, 3);

    [Fact]
    public void Forward_OddDimension_ThrowsWithSize()
    {
        Action act = () => new GLU().Forward(new Tensor(2, 5));

        act.ShouldThrowNaming<ArgumentException>("GLU(dim=-1)", "even", "size 5", "[2, 5]");
    }

    [Fact]
    public void Forward_DimOutOfRange_ThrowsTorchsMessage()
    {
        Action act = () => new GLU(3).Forward(new Tensor(2, 4));

        act.ShouldThrowNaming<ArgumentException>("GLU(dim=3)", "dimension out of range", "[-2, 1]", "got 3");
    }
}
