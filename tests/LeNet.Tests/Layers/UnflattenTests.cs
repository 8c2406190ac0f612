using LeNet.Layers;

namespace LeNet.Tests.Layers;

public class UnflattenTests
{
    [Theory]
    [InlineData("unflatten_1", 1, new[] { 2, 3 })]
    [InlineData("unflatten_-1", -1, new[] { 2, -1 })]
    [InlineData("unflatten_1_223", 1, new[] { 2, 2, 3 })]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int dim, int[] sizes) => new Unflatten(dim, sizes).ShouldMatchTorch(name);

    [Fact]
    public void Forward_IsAViewAndBackwardRestoresTheShape()
    {
        var layer = new Unflatten(1, [4, -1]);
        var x = new Tensor(2, 12);

        Tensor y = layer.Forward(x);
        y.AsSpan()[5] = 7f;
        Tensor dx = layer.Backward(new Tensor(2, 4, 3));

        y.Shape.ToArray().Should().Equal(2, 4, 3);
        x.AsSpan()[5].Should().Be(7f, "the output shares the input's storage");
        dx.Shape.ToArray().Should().Equal(2, 12);
    }

    [Fact]
    public void Forward_SizesThatDontMultiplyUp_ThrowsWithSizes()
    {
        Action act = () => new Unflatten(1, [2, 5]).Forward(new Tensor(3, 12));

        act.ShouldThrowNaming<ArgumentException>("Unflatten(dim=1, unflattened_size=(2, 5))", "[2, 5]", "12", "[3, 12]");
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { -1, -1 })]
    [InlineData(new[] { 2, 0 })]
    [InlineData(new[] { -2, 3 })]
    public void Constructor_BadSizes_Throws(int[] sizes)
    {
        Action act = () => _ = new Unflatten(1, sizes);

        act.ShouldThrowNaming<ArgumentException>("Unflatten", "sizes");
    }
}
