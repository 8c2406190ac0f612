using LeNet.Compiler;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class StochasticDepthTests
{
    [Theory]
    [InlineData("stochastic_depth_row_eval", 0.5f, "row")]
    [InlineData("stochastic_depth_batch_eval", 0.3f, "batch")]
    [InlineData("stochastic_depth_p0", 0f, "row")]
    public void ForwardBackward_TorchCase_MatchesTorchvision(string name, float p, string mode) => new StochasticDepth(p, mode).ShouldMatchTorchC(name);

    [Fact]
    public void Forward_Evaluation_ReturnsTheInputItself()
    {
        var layer = new StochasticDepth(0.9f, "row");
        layer.Eval();
        var x = new Tensor(3, 4);

        layer.Forward(x).Should().BeSameAs(x);
    }

    [Fact]
    public void Forward_RowMode_KeepsOrZeroesWholeSamples_ScaledBySurvival()
    {
        var layer = new StochasticDepth(0.25f, "row", new Random(5));
        Tensor x = Arrays.Random(new Random(1), 400, 3, 2);

        float[] y = layer.Forward(x).ToArray();

        int kept = 0;
        for (int n = 0; n < 400; n++)
        {
            float[] sample = y[(n * 6)..((n + 1) * 6)];
            float[] input = x.ToArray()[(n * 6)..((n + 1) * 6)];
            bool zero = sample.All(v => v == 0f);
            if (!zero)
            {
                kept++;
                sample.Should().Equal(input.Select(v => v * (1f / 0.75f)), "a kept sample is scaled by 1/(1 − p) as a whole");
            }
        }

        kept.Should().BeInRange(270, 330, "about 3/4 of 400 samples survive");
    }

    [Fact]
    public void Forward_BatchMode_DrawsOnceForTheWholeInput()
    {
        var layer = new StochasticDepth(0.5f, "batch", new Random(2));
        Tensor x = Tensor.FromArray([.. Enumerable.Range(1, 12).Select(i => (float)i)], 3, 4);
        int kept = 0;

        for (int call = 0; call < 200; call++)
        {
            float[] y = layer.Forward(x).ToArray();
            bool allZero = y.All(v => v == 0f);
            allZero.Should().Be(!y.SequenceEqual(x.ToArray().Select(v => v * 2f)), "the whole batch is kept (×2) or dropped");
            kept += allZero ? 0 : 1;
        }

        kept.Should().BeInRange(70, 130);
    }

    [Fact]
    public void Backward_MultipliesByTheSameNoise()
    {
        var layer = new StochasticDepth(0.5f, "row", new Random(3));
        Tensor x = Arrays.Random(new Random(4), 16, 5);
        float[] y = layer.Forward(x).ToArray();
        Tensor dy = Arrays.Random(new Random(6), 16, 5);

        float[] dx = layer.Backward(dy).ToArray();

        for (int i = 0; i < dx.Length; i++)
        {
            float noise = y[i] == 0f ? 0f : 2f;
            dx[i].Should().Be(dy.ToArray()[i] * noise);
        }

        y.Should().Contain(0f).And.Contain(v => v != 0f, "the seed drops some samples and keeps others");
    }

    [Fact]
    public void Forward_POne_ZeroesEverything_AndPZeroIsTheIdentity()
    {
        Tensor x = Arrays.Random(new Random(7), 4, 3);
        var zero = new StochasticDepth(0f, "batch");

        new StochasticDepth(1f, "row").Forward(x).ToArray().Should().AllBeEquivalentTo(0f);
        zero.Forward(x).Should().BeSameAs(x);
        zero.Backward(x).Should().BeSameAs(x);
    }

    [Fact]
    public void Forward_RowModeOnAScalar_ThrowsNamingLayer()
    {
        Action act = () => new StochasticDepth(0.2f, "row").Forward(new Tensor());

        act.ShouldThrowNaming<ArgumentException>("StochasticDepth(p=0.2, mode=row)", "rank 1 or more", "rank 0");
    }

    [Theory]
    [InlineData(-0.1f, "row")]
    [InlineData(1.5f, "batch")]
    public void Constructor_ProbabilityOutOfRange_Throws(float p, string mode)
    {
        Action act = () => _ = new StochasticDepth(p, mode);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("StochasticDepth", "between 0 and 1");
    }

    [Fact]
    public void Constructor_UnknownMode_Throws()
    {
        Action act = () => _ = new StochasticDepth(0.1f, "column");

        act.ShouldThrowNaming<ArgumentException>("StochasticDepth", "'batch' or 'row'", "column");
    }

    [Theory]
    [InlineData(0.2f, "row", "StochasticDepth(p=0.2, mode=row)")]
    [InlineData(0f, "batch", "StochasticDepth(p=0.0, mode=batch)")]
    [InlineData(1f, "batch", "StochasticDepth(p=1.0, mode=batch)")]
    public void ToString_IsTorchvisionsRepr(float p, string mode, string repr) => new StochasticDepth(p, mode).ToString().Should().Be(repr);

    [Fact]
    public void Compile_IsSkippedInEvaluation_AndStopsATrainingPlan()
    {
        var net = new Sequential(new Linear(4, 3, random: new Random(1)), new StochasticDepth(0.5f, "row"), new ReLU());
        net.Eval();

        StageCompiler.Compile(net, [4], training: false).Unsupported.Should().BeNull("evaluation-mode stochastic depth is the identity");
        StageCompiler.Compile(net, [4], training: true).Unsupported!.Value.Layer.Should().BeOfType<StochasticDepth>();
    }
}
