using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SoftsignTests
{
    [Fact]
    public void ForwardBackward_TorchCase_MatchesPyTorch() => new Softsign().ShouldMatchTorch("softsign");

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new Softsign().ShouldMatchCentralDifferences([3, 11], x => NaiveLayersA.Map(x, NaiveLayersA.Softsign), seed: 5, scale: 4);

    [Fact]
    public void Forward_ByHand_IsXOverOnePlusAbsX()
    {
        Tensor y = new Softsign().Forward(Tensor.FromArray([-3f, 0f, 1f], 3));

        y.ToArray().Should().Equal(-0.75f, 0f, 0.5f);
    }
}
