using LeNet.Graphs;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Graphs;

/// <summary>
/// The first evaluation-mode call of a new input shape: traced on shapes only (no map of the batch computed or held),
/// then answered by the plan. Its managed allocations are a few maps where the eager trace held every map of the
/// batch; its answer is the eager forward's (within the compiled stages' rounding) and every later call's, bit for bit.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class GraphPlanFirstCallTests
{
    private const int Batch = 16;
    private const int Channels = 16;
    private const int Size = 16;
    private const long MapBytes = (long)Batch * Channels * Size * Size * sizeof(float);

    [Fact]
    public void FirstCall_ADeepResidualStack_AllocatesAFewMapsNotEveryMapOfTheBatch()
    {
        var random = new Random(24);
        Sequential model = Stack(random);
        Tensor x = Arrays.Random(random, Batch, Channels, Size, Size);
        float[] eager = model.Record(x, RecordingMode.Trace).Output!.ToArray();
        var plans = new GraphPlans(model, verify: false);

        int previous = Parallelism.MaxDegreeOfParallelism;
        Parallelism.MaxDegreeOfParallelism = 1;
        long allocated;
        Tensor first;
        try
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            first = plans.Forward(x);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }

        // Eight blocks of two convolutions, two BatchNorms, two ReLUs and an add: the eager trace holds 56 maps (and
        // the layers' own scratch); traced on shapes, the trace holds one array per map length, the plan's arena three
        // maps and the result one, plus the packed weights.
        allocated.Should().BeLessThan(10 * MapBytes, $"the first call should hold a few maps of {MapBytes} bytes, not every map of the batch");
        plans.PlanFor(Batch, Channels, Size, Size).Should().NotBeNull();
        first.ToArray().Should().BeCloseTo(eager, 2e-5, 2e-5);
        plans.Forward(x).ToArray().Should().Equal(first.ToArray(), "the first answer is the plan's, as every later call's");
        plans.Traces.Should().Be(1);
    }

    [Fact]
    public void FirstCall_TracedEagerly_AllocatesEveryMap()
    {
        // The bound above can fail: the eager trace of the same stack holds every map of the batch.
        var random = new Random(24);
        Sequential model = Stack(random);
        Tensor x = Arrays.Random(random, Batch, Channels, Size, Size);

        long before = GC.GetAllocatedBytesForCurrentThread();
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        recording.Nodes.Count.Should().Be(8 * 7);
        allocated.Should().BeGreaterThan(40 * MapBytes);
    }

    [Fact]
    public void FirstCall_AForwardThatReadsValues_IsTracedEagerlyAndAnswersEachBranch()
    {
        var model = new Branching();
        model.Eval();
        var plans = new GraphPlans(model, verify: false);

        Tensor positive = plans.Forward(Tensor.FromArray([1f, 2f], 1, 2));
        Tensor negative = plans.Forward(Tensor.FromArray([-1f, 2f], 1, 2));

        plans.PlanFor(1, 2).Should().BeNull("the forward read a value, so its graph may depend on data");
        positive.ToArray().Should().Equal(2f, 4f);
        negative.ToArray().Should().Equal(-3f, 0f);
    }

    [Fact]
    public void FirstCall_AShapeTheLayersRefuse_ThrowsTheLayersMessage()
    {
        var random = new Random(25);
        Sequential model = Stack(random);
        var plans = new GraphPlans(model, verify: false);

        Action act = () => plans.Forward(new Tensor(1, Channels + 1, Size, Size));

        act.Should().Throw<ArgumentException>().WithMessage("*Conv2d*");
    }

    [Fact]
    public void WarmCall_FunctionalRelusAfterConvolutions_RunCompiledIntoTheArena()
    {
        // F.Relu's fresh layer is in evaluation mode: a training-mode one sent the chain to the layer path (CIFAR ResNet).
        var random = new Random(26);
        var model = new FunctionalBlocks(random);
        model.Eval();
        Tensor x = Arrays.Random(random, 2, Channels, Size, Size);
        float[] eager = model.Record(x, RecordingMode.Trace).Output!.ToArray();
        long mapBytes = 2L * Channels * Size * Size * sizeof(float);

        int previous = Parallelism.MaxDegreeOfParallelism;
        Parallelism.MaxDegreeOfParallelism = 1;
        long allocated;
        try
        {
            model.Forward(x);
            model.Forward(x);
            long before = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(x);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }

        model.Plans!.PlanFor(2, Channels, Size, Size)!.CompiledSteps.Should().BeGreaterThan(0);
        allocated.Should().BeLessThan(mapBytes + 16_384, $"the chains write into the arena: only the output ({mapBytes} bytes) is new");
        model.Forward(x).ToArray().Should().BeCloseTo(eager, 2e-5, 2e-5);
    }

    private static Sequential Stack(Random random)
    {
        var model = new Sequential([.. Enumerable.Range(0, 8).Select(_ => (ILayer)new BasicBlock(Channels, Channels, random: random))]);
        foreach ((string name, Tensor buffer) in model.NamedBuffers())
        {
            if (name.EndsWith("running_var", StringComparison.Ordinal))
            {
                buffer.AsSpan().Fill(1.5f);
            }
        }

        model.Eval();
        return model;
    }

    /// <summary>Four convolutions, each followed by a functional ReLU.</summary>
    private sealed class FunctionalBlocks : Module
    {
        private readonly Conv2d[] _convs;

        public FunctionalBlocks(Random random) =>
            _convs = [.. Enumerable.Range(0, 4).Select(i => Register($"conv{i}", new Conv2d(Channels, Channels, 3, padding: 1, random: random)))];

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor x = input;
            foreach (Conv2d conv in _convs)
            {
                x = LeNet.Layers.Functional.Relu(conv.Forward(x));
            }

            return x;
        }
    }

    /// <summary>Doubles its input when the first value is positive, else subtracts two: a branch on data.</summary>
    private sealed class Branching : Module
    {
        protected override Tensor ForwardCore(Tensor input) => input.AsReadOnlySpan()[0] > 0 ? input * 2f : input - 2f;
    }
}
