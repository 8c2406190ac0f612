using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SoftmaxTests
{
    [Theory]
    [InlineData("softmax_1", 1)]
    [InlineData("softmax_-1", -1)]
    [InlineData("softmax_0", 0)]
    [InlineData("softmax_large", 1)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int dim) => new Softmax(dim).ShouldMatchTorch(name);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(-1)]
    [InlineData(-3)]
    public void Backward_AnyDim_MatchesCentralDifferences(int dim)
    {
        int[] shape = [3, 4, 5];
        new Softmax(dim).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Softmax(x, shape, dim), seed: 20 + dim, scale: 2);
    }

    [Fact]
    public void Forward_LogitsOfTenThousand_StayFinite()
    {
        Tensor y = new Softmax(1).Forward(Tensor.FromArray([1e4f, 1e4f, -1e4f], 1, 3));

        y.ToArray().Should().Equal(0.5f, 0.5f, 0f);
    }

    [Fact]
    public void Forward_WideInnerDimension_SumsToOneAlongDim()
    {
        Tensor x = Arrays.Random(new Random(9), 2, 7, 33);

        Tensor y = new Softmax(1).Forward(x);

        for (int n = 0; n < 2; n++)
        {
            for (int i = 0; i < 33; i++)
            {
                Enumerable.Range(0, 7).Sum(c => y[n, c, i]).Should().BeApproximately(1f, 1e-6f);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void Forward_SeveralParallelRanges_MatchesTheOracle(int dim)
    {
        // 300·7·33 = 69 300 elements: more than one range of Parallelism.ElementwiseRange.
        int[] shape = [300, 7, 33];
        Tensor x = Arrays.Random(new Random(90 + dim), shape);

        Tensor y = new Softmax(dim).Forward(x);

        y.ToArray().Should().BeCloseTo(NaiveLayersA.Softmax(x.ToDouble(), shape, dim).Select(v => (float)v).ToArray(), 1e-6, 1e-5);
    }

    [Fact]
    public void Forward_DimOutOfRange_Throws()
    {
        Action act = () => new Softmax(-3).Forward(new Tensor(2, 3));

        act.ShouldThrowNaming<ArgumentException>("Softmax(dim=-3)", "dimension out of range", "got -3");
    }
}
