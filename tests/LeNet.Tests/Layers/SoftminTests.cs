using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SoftminTests
{
    [Theory]
    [InlineData("softmin_1", 1)]
    [InlineData("softmin_-1", -1)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int dim) => new Softmin(dim).ShouldMatchTorch(name);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Backward_AnyDim_MatchesCentralDifferences(int dim)
    {
        int[] shape = [3, 2, 4];
        new Softmin(dim).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Softmax(x, shape, dim, negate: true), seed: 40 + dim, scale: 2);
    }

    [Fact]
    public void Forward_Input_DoesNotChange()
    {
        Tensor x = Tensor.FromArray([1f, 2f, 3f], 1, 3);

        new Softmin(1).Forward(x);

        x.ToArray().Should().Equal(1f, 2f, 3f);
    }
}
