using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SELUTests
{
    [Fact]
    public void ForwardBackward_TorchCase_MatchesPyTorch() => new SELU().ShouldMatchTorch("selu");

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new SELU().ShouldMatchCentralDifferences([4, 9], x => NaiveLayersA.Map(x, NaiveLayersA.Selu), seed: 4, scale: 3);

    [Fact]
    public void ToString_IsTorchsRepr() => new SELU().ToString().Should().Be("SELU()");
}
