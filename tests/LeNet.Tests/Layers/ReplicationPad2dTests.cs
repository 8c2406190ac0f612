using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class ReplicationPad2dTests
{
    [Theory]
    [InlineData("replication_pad_3")]
    [InlineData("replication_pad_0241")]
    [InlineData("replication_pad_3d")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name)
    {
        ReplicationPad2d layer = name switch
        {
            "replication_pad_3" => new ReplicationPad2d(3),
            "replication_pad_0241" => new ReplicationPad2d((0, 2, 4, 1)),
            _ => new ReplicationPad2d((2, 1, 0, 2)),
        };

        layer.ShouldMatchTorch(name);
    }

    [Fact]
    public void Backward_Random_AccumulatesLikeCentralDifferences()
    {
        int[] shape = [1, 2, 2, 3];
        new ReplicationPad2d((3, 1, 2, 4)).ShouldMatchCentralDifferences(shape, x => NaiveLayersA.Pad(x, shape, (3, 1, 2, 4), "replicate"), seed: 53);
    }

    [Fact]
    public void Forward_ByHand_RepeatsTheEdge()
    {
        Tensor y = new ReplicationPad2d((2, 1, 0, 0)).Forward(Tensor.FromArray([1f, 2f], 1, 1, 2));

        y.ToArray().Should().Equal(1f, 1f, 1f, 2f, 2f);
    }

    [Fact]
    public void Forward_EmptyDimension_Throws()
    {
        Action act = () => new ReplicationPad2d(1).Forward(new Tensor(1, 0, 3));

        act.ShouldThrowNaming<ArgumentException>("ReplicationPad2d((1, 1, 1, 1))", "positive", "[1, 0, 3]");
    }
}
