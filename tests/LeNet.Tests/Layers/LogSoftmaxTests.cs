using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class LogSoftmaxTests
{
    [Theory]
    [InlineData("log_softmax_1", 1)]
    [InlineData("log_softmax_-1", -1)]
    [InlineData("log_softmax_2", 2)]
    [InlineData("log_softmax_large", -1)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int dim) => new LogSoftmax(dim).ShouldMatchTorch(name);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Backward_AnyDim_MatchesCentralDifferences(int dim)
    {
        int[] shape = [3, 4, 5];
        new LogSoftmax(dim).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Softmax(x, shape, dim, log: true), seed: 30 + dim, scale: 2);
    }

    [Fact]
    public void Forward_LogitsOfTenThousand_AreExact()
    {
        Tensor y = new LogSoftmax(-1).Forward(Tensor.FromArray([1e4f, 0f], 1, 2));

        y.ToArray().Should().Equal(0f, -1e4f);
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new LogSoftmax(1).ToString().Should().Be("LogSoftmax(dim=1)");
}
