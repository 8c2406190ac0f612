using LeNet.Graphs;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Graphs;

/// <summary>
/// The traced evaluation plan's compiled chains against the layer path (the same Module's forward run eagerly), on the
/// chains torchvision's networks are made of: a ResNet stem (7×7 stride 2, BatchNorm, ReLU, 3×3 max pool with padding),
/// grouped and depthwise convolutions, 1×1 convolutions, dilation, a dense head, and layers with no stage in between.
/// CI runs these at every vector width.
/// </summary>
public class GraphPlanTests
{
    public static TheoryData<string> Chains => new() { "stem", "grouped", "depthwise", "pointwise", "dilated", "head", "mixed" };

    [Theory]
    [MemberData(nameof(Chains))]
    public void Plan_CompiledChains_MatchTheLayerPath(string name)
    {
        var random = new Random(name.Length);
        (Sequential chain, int[] shape) = name switch
        {
            "stem" => (new Sequential(new Conv2d(3, 8, 7, 2, 3, bias: false, random: random), Norm(8, random), new ReLU(), new MaxPool2d(3, 2, 1)), new[] { 2, 3, 19, 19 }),
            "grouped" => (new Sequential(new Conv2d(8, 8, 3, 1, 1, bias: false, groups: 4, random: random), Norm(8, random), new ReLU()), [3, 8, 9, 9]),
            "depthwise" => (new Sequential(new Conv2d(6, 6, 3, 2, 1, bias: false, groups: 6, random: random), Norm(6, random), new ReLU6(), new Conv2d(6, 10, 1, random: random)), [2, 6, 11, 11]),
            "pointwise" => (new Sequential(new Conv2d(16, 24, 1, bias: false, random: random), Norm(24, random), new Hardswish()), [17, 16, 5, 5]),
            "dilated" => (new Sequential(new Conv2d(4, 4, 3, 1, 2, dilation: 2, random: random), new Sigmoid(), new AvgPool2d(2)), [2, 4, 10, 10]),
            "head" => (new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Linear(12, 20, random: random), new ReLU(), new Dropout(0.2f), new Linear(20, 5, random: random)), [18, 12, 3, 3]),
            _ => (new Sequential(new Conv2d(3, 6, 3, 1, 1, random: random), new SiLU(), new LayerNorm([6, 8, 8]), new Conv2d(6, 6, 3, 1, 1, random: random), Norm(6, random), new ReLU(), new MaxPool2d(2)), [2, 3, 8, 8]),
        };
        var model = new Residual(chain);
        model.Eval();
        Tensor x = Arrays.Random(random, shape);
        float[] eager = model.Record(x, RecordingMode.Trace).Output!.ToArray();

        model.Forward(x);
        float[] planned = model.Forward(x).ToArray();

        GraphPlan plan = model.Plans!.PlanFor(shape)!;
        plan.Should().NotBeNull();
        plan.CompiledSteps.Should().BeGreaterThan(0, "the chain has layers the engine compiles");
        planned.Should().BeCloseTo(eager, 2e-5, 2e-5);
    }

    [Fact]
    public void Plan_ALayerWithoutAStage_SplitsTheChainAroundIt()
    {
        var random = new Random(3);
        var chain = new Sequential(new Conv2d(2, 4, 3, padding: 1, random: random), new ReLU(), new LayerNorm([4, 6, 6]), new Conv2d(4, 4, 3, padding: 1, random: random), new ReLU());
        var model = new Residual(chain);
        model.Eval();
        Tensor x = Arrays.Random(random, 2, 2, 6, 6);

        model.Forward(x);

        GraphPlan plan = model.Plans!.PlanFor(2, 2, 6, 6)!;
        plan.CompiledSteps.Should().Be(2, "conv+relu before the LayerNorm and conv+relu after it");
        plan.StepCount.Should().Be(5, "two compiled segments, the LayerNorm, the mean and the add");
    }

    [Fact]
    public void Plan_TwoBatchSizes_ShareTheCompiledSegmentsAndTheirPackedWeights()
    {
        var random = new Random(5);
        var chain = new Sequential(new Conv2d(3, 8, 3, padding: 1, random: random), Norm(8, random), new ReLU(), new LayerNorm([8, 6, 6]), new Conv2d(8, 4, 1, random: random), new ReLU());
        var model = new Residual(chain);
        model.Eval();
        Tensor small = Arrays.Random(random, 2, 3, 6, 6), large = Arrays.Random(random, 5, 3, 6, 6);
        float[] eagerSmall = model.Record(small, RecordingMode.Trace).Output!.ToArray();
        float[] eagerLarge = model.Record(large, RecordingMode.Trace).Output!.ToArray();

        model.Forward(small);
        model.Forward(large);
        float[] plannedSmall = model.Forward(small).ToArray();
        float[] plannedLarge = model.Forward(large).ToArray();

        Sequential[] smallSegments = [.. model.Plans!.PlanFor(2, 3, 6, 6)!.Segments.Select(s => s.Segment)];
        Sequential[] largeSegments = [.. model.Plans!.PlanFor(5, 3, 6, 6)!.Segments.Select(s => s.Segment)];
        smallSegments.Should().HaveCount(2, "conv+bn+relu before the LayerNorm, conv+relu after it");
        largeSegments.Should().Equal(smallSegments, ReferenceEquals, "the plans of both batch sizes run the same compiled chains");
        smallSegments.Select(segment => segment.Engine!.Compilations).Should().Equal([1, 1], "each chain's weights are packed once for both batch sizes");
        plannedSmall.Should().BeCloseTo(eagerSmall, 2e-5, 2e-5);
        plannedLarge.Should().BeCloseTo(eagerLarge, 2e-5, 2e-5);
    }

    [Fact]
    public void Plan_ADeepGraph_HoldsOnlyTheLiveMaps()
    {
        // Twelve layers, every other one without a stage: 13 steps, each map read only by the next step but the body's
        // output, which the mean and the add both read.
        var random = new Random(8);
        var layers = new List<ILayer>();
        for (int i = 0; i < 6; i++)
        {
            layers.Add(new Conv2d(4, 4, 3, padding: 1, random: random));
            layers.Add(new LayerNorm([4, 5, 5]));
        }

        var model = new Residual(new Sequential([.. layers]));
        model.Eval();
        Tensor x = Arrays.Random(random, 2, 4, 5, 5);
        float[] eager = model.Record(x, RecordingMode.Trace).Output!.ToArray();

        model.Forward(x);
        float[] planned = model.Forward(x).ToArray();

        GraphPlan plan = model.Plans!.PlanFor(2, 4, 5, 5)!;
        plan.StepCount.Should().Be(14, "six segments, six LayerNorms, the mean and the add");
        plan.PeakLiveMaps.Should().Be(3, "the body's output, the mean and their sum; every earlier map is dropped after its one reader");
        planned.Should().BeCloseTo(eager, 2e-5, 2e-5);
    }

    private static BatchNorm2d Norm(int channels, Random random)
    {
        var norm = new BatchNorm2d(channels);
        Arrays.Random(random, channels).AsReadOnlySpan().CopyTo(norm.RunningMean!.AsSpan());
        Span<float> variance = norm.RunningVar!.AsSpan();
        for (int c = 0; c < channels; c++)
        {
            variance[c] = 0.5f + (float)random.NextDouble();
        }

        Arrays.Random(random, channels).AsReadOnlySpan().CopyTo(norm.Bias!.Value.AsSpan());
        return norm;
    }

    /// <summary>The chain, then the chain's output plus its own mean: a graph, not a chain, so the Module's plan compiles it.</summary>
    private sealed class Residual : Module
    {
        private readonly Sequential _body;

        public Residual(Sequential body) => _body = Register("body", body);

        protected override Tensor ForwardCore(Tensor x)
        {
            Tensor y = _body.Forward(x);
            return y + y.Mean([y.Rank - 1], keepDim: true);
        }
    }
}
