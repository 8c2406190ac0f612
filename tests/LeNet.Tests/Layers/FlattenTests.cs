using LeNet.Compiler;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class FlattenTests
{
    [Fact]
    public void Forward_KeepsBatchAndFlattensTheRest_AsAView()
    {
        var x = new Tensor(2, 3, 4, 5);
        x[1, 2, 3, 4] = 7f;

        Tensor y = new Flatten().Forward(x);

        y.Shape.ToArray().Should().Equal(2, 60);
        y[1, 59].Should().Be(7f);
        y[0, 0] = 1f;
        x[0, 0, 0, 0].Should().Be(1f, "the output shares the input's storage, as torch's flatten does");
    }

    [Fact]
    public void GetOutputShape_TwoDimensional_IsUnchanged()
    {
        new Flatten().GetOutputShape([8, 10]).Should().Equal(8, 10);
    }

    [Fact]
    public void Forward_RankOne_ThrowsNamingLayer()
    {
        Action act = () => new Flatten().Forward(new Tensor(5));

        act.Should().Throw<ArgumentException>().WithMessage("Flatten(): expected an input of rank 2 or more*got rank 1 [5]*");
    }

    [Theory]
    [InlineData("flatten_0", 0, -1)]
    [InlineData("flatten_2_3", 2, 3)]
    [InlineData("flatten_-3_-2", -3, -2)]
    [InlineData("flatten_1_1", 1, 1)]
    [InlineData("flatten_rank1", 0, -1)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int startDim, int endDim) => new Flatten(startDim, endDim).ShouldMatchTorchC(name);

    [Theory]
    [InlineData(1, -1, new[] { 2, 3, 4, 5 }, new[] { 2, 60 })]
    [InlineData(0, -1, new[] { 2, 3, 4 }, new[] { 24 })]
    [InlineData(0, 1, new[] { 2, 3, 4 }, new[] { 6, 4 })]
    [InlineData(2, 3, new[] { 2, 3, 4, 5, 6 }, new[] { 2, 3, 20, 6 })]
    [InlineData(-3, -2, new[] { 2, 3, 4, 5 }, new[] { 2, 12, 5 })]
    [InlineData(1, -2, new[] { 2, 3, 4, 5 }, new[] { 2, 12, 5 })]
    [InlineData(-3, 2, new[] { 2, 3, 4, 5 }, new[] { 2, 12, 5 })]
    [InlineData(1, 1, new[] { 2, 3, 4 }, new[] { 2, 3, 4 })]
    [InlineData(0, 0, new[] { 7 }, new[] { 7 })]
    [InlineData(0, -1, new[] { 7 }, new[] { 7 })]
    [InlineData(-1, -1, new int[0], new[] { 1 })]
    [InlineData(0, 0, new int[0], new[] { 1 })]
    public void GetOutputShape_AnyRange_IsPyTorchs(int startDim, int endDim, int[] input, int[] expected) =>
        new Flatten(startDim, endDim).GetOutputShape(input).Should().Equal(expected);

    [Fact]
    public void ForwardBackward_StartTwoEndThree_IsAViewAndBackwardRestoresTheShape()
    {
        var layer = new Flatten(2, 3);
        Tensor x = Arrays.Random(new Random(1), 2, 3, 4, 5);

        Tensor y = layer.Forward(x);
        Tensor dx = layer.Backward(y);

        y.Shape.ToArray().Should().Equal(2, 3, 20);
        y.ToArray().Should().Equal(x.ToArray());
        dx.Shape.ToArray().Should().Equal(2, 3, 4, 5);
        y.AsSpan()[7] = 42f;
        x.AsSpan()[7].Should().Be(42f, "the output shares the input's storage");
    }

    [Fact]
    public void Forward_RankTooSmallForTheRange_ThrowsNamingLayerExpectedAndActual()
    {
        Action act = () => new Flatten(2, 3).Forward(new Tensor(2, 3, 4));

        act.ShouldThrowNaming<ArgumentException>("Flatten(start_dim=2, end_dim=3)", "rank 4 or more", "rank 3 [2, 3, 4]");
    }

    [Fact]
    public void Forward_StartAfterEndOnceResolved_ThrowsLikeTorch()
    {
        Action act = () => new Flatten(2, -3).Forward(new Tensor(2, 3, 4, 5));

        act.ShouldThrowNaming<ArgumentException>("Flatten(start_dim=2, end_dim=-3)", "start_dim cannot come after end_dim");
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(-1, -2)]
    public void Constructor_StartAfterEnd_Throws(int startDim, int endDim)
    {
        Action act = () => _ = new Flatten(startDim, endDim);

        act.ShouldThrowNaming<ArgumentException>("Flatten", "start_dim cannot come after end_dim");
    }

    [Theory]
    [InlineData(1, -1, "Flatten()")]
    [InlineData(0, -1, "Flatten(start_dim=0, end_dim=-1)")]
    [InlineData(2, 3, "Flatten(start_dim=2, end_dim=3)")]
    public void ToString_DefaultsAsBefore_OtherwisePyTorchsArguments(int startDim, int endDim, string repr) =>
        new Flatten(startDim, endDim).ToString().Should().Be(repr);

    [Fact]
    public void Compile_NonDefaultRange_LeavesTheLayerToTheLayerPath()
    {
        var random = new Random(2);
        var net = new Sequential(new Conv2d(1, 2, 3, random: random), new ReLU(), new Flatten(2, 3));
        net.Eval();
        Tensor x = Arrays.Random(random, 3, 1, 6, 6);

        StageCompiler compiled = StageCompiler.Compile(net, [1, 6, 6], training: false);
        Tensor y = net.Forward(x);

        compiled.Unsupported!.Value.Layer.Should().BeOfType<Flatten>();
        y.Shape.ToArray().Should().Equal(3, 2, 16);
        y.ToArray().Should().Equal(net.ForwardLayers(x).ToArray());
    }
}
