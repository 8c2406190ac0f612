using LeNet.Graphs;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Graphs;

/// <summary>
/// The graph plan's fused stages and planned buffers against the unfused plan of the same recording (bit-identical:
/// the residual epilogue rounds the same sum once and takes the same max; a concatenation's producers write the same
/// floats into their slices) and against the eager forward. Batch 3 runs the single-image kernels, batch 17 a tile of
/// 16 and one image. CI runs these at every vector width.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class GraphPlanFusionTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void FusedPlan_ResidualBlocks_AddAndReluInTheEpilogue_BitIdenticalToTheUnfusedPlan(int batch)
    {
        var random = new Random(batch);
        var model = new Sequential(
            new BasicBlock(8, 8, random: random),
            new BasicBlock(8, 16, stride: 2, downsample: new Sequential(new Conv2d(8, 16, 1, 2, bias: false, random: random), new BatchNorm2d(16)), random: random),
            new BasicBlock(16, 16, random: random));
        Randomize(model, random);
        model.Eval();
        Tensor x = Arrays.Random(random, batch, 8, 10, 10);
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);

        var fused = new GraphPlan(recording, GraphPlan.Segment);
        var unfused = new GraphPlan(recording, GraphPlan.Segment, fuse: false);
        float[] fusedOutput = fused.Run(x).ToArray();
        float[] unfusedOutput = unfused.Run(x).ToArray();

        unfused.StepCount.Should().Be(fused.StepCount + 6, "three adds and the three ReLUs after them join the second convolution's epilogue");
        fusedOutput.Should().Equal(unfusedOutput, "the epilogue computes the same float sum and max");
        fusedOutput.Should().BeCloseTo(recording.Output!.ToArray(), 2e-5, 2e-5);
        fused.Run(x).ToArray().Should().Equal(fusedOutput, "a second run on the reused arena");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void FusedPlan_FireConcatenation_ProducersWriteTheirSlices_BitIdenticalToTheUnfusedPlan(int batch)
    {
        var random = new Random(10 + batch);
        var model = new Sequential(new Fire(6, 4, 5, 7), new Fire(12, 3, 4, 4));
        Randomize(model, random);
        model.Eval();
        Tensor x = Arrays.Random(random, batch, 6, 9, 9);
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);

        var fused = new GraphPlan(recording, GraphPlan.Segment);
        var unfused = new GraphPlan(recording, GraphPlan.Segment, fuse: false);
        float[] fusedOutput = fused.Run(x).ToArray();

        unfused.StepCount.Should().Be(fused.StepCount + 2, "both concatenations disappear");
        fusedOutput.Should().Equal(unfused.Run(x).ToArray());
        fusedOutput.Should().BeCloseTo(recording.Output!.ToArray(), 2e-5, 2e-5);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void FusedPlan_SqueezeExcitation_ScalesTheChannelsIntoAPlannedBuffer_BitIdenticalToTheUnfusedPlan(int batch)
    {
        var random = new Random(20 + batch);
        var model = new Sequential(new Conv2d(4, 12, 3, padding: 1, random: random), new ReLU(), new SqueezeExcitation(12, 4, scaleActivation: () => new Hardsigmoid()), new Conv2d(12, 6, 1, random: random));
        Randomize(model, random);
        model.Eval();
        Tensor x = Arrays.Random(random, batch, 4, 7, 7);
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);

        var fused = new GraphPlan(recording, GraphPlan.Segment);
        var unfused = new GraphPlan(recording, GraphPlan.Segment, fuse: false);
        float[] fusedOutput = fused.Run(x).ToArray();

        fused.ScaleSteps.Should().Be(1);
        unfused.ScaleSteps.Should().Be(0);
        fusedOutput.Should().Equal(unfused.Run(x).ToArray(), "the same product of the same two floats");
        fusedOutput.Should().BeCloseTo(recording.Output!.ToArray(), 2e-5, 2e-5);
    }

    [Fact]
    public void FusedPlan_ADeepResidualStack_ReusesAFewBuffersAndAllocatesLittleOnceWarm()
    {
        var random = new Random(4);
        var model = new Sequential([.. Enumerable.Range(0, 8).Select(_ => (ILayer)new BasicBlock(16, 16, random: random))]);
        Randomize(model, random);
        model.Eval();
        Tensor x = Arrays.Random(random, 2, 16, 32, 32);
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);
        var plan = new GraphPlan(recording, GraphPlan.Segment);
        var unfused = new GraphPlan(recording, GraphPlan.Segment, fuse: false);
        int mapBytes = 2 * 16 * 32 * 32 * sizeof(float);

        int previous = Parallelism.MaxDegreeOfParallelism;
        Parallelism.MaxDegreeOfParallelism = 1;
        try
        {
            long allocated = WarmAllocation(plan, x), allocatedUnfused = WarmAllocation(unfused, x);

            plan.ArenaBuffers.Should().BeLessThanOrEqualTo(3, "each block's maps reuse the buffers the blocks before it freed");
            allocated.Should().BeLessThan(mapBytes + 16_384, $"a warm run writes its maps into the arena: only the output ({mapBytes} bytes) is new");
            allocatedUnfused.Should().BeGreaterThan(8L * mapBytes, "the unfused plan allocates at least every block's sum anew");
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }

    [Fact]
    public void FusedPlan_AResultThatViewsAPlannedMap_IsNotOverwrittenByTheNextRun()
    {
        var random = new Random(6);
        var model = new FlattenedBlock(new Sequential(new Conv2d(3, 4, 3, padding: 1, random: random), new ReLU()), new Sequential(new Conv2d(4, 4, 1, random: random)));
        model.Eval();
        Tensor first = Arrays.Random(random, 2, 3, 5, 5), second = Arrays.Random(random, 2, 3, 5, 5);
        var plan = new GraphPlan(model.Record(first, RecordingMode.Trace), GraphPlan.Segment);

        Tensor result = plan.Run(first);
        float[] kept = result.ToArray();
        plan.Run(second);

        result.ToArray().Should().Equal(kept, "the result is copied out of the arena the next run writes");
        kept.Should().BeCloseTo(model.Record(first, RecordingMode.Trace).Output!.ToArray(), 2e-5, 2e-5);
    }

    [Fact]
    public void FusedPlan_ResNet18_HasFewerStepsAndAgreesWithTheUnfusedPlan()
    {
        var random = new Random(18);
        Module model = TorchVision.GetModel("resnet18", numClasses: 10);
        Randomize(model, random);
        model.Eval();
        Tensor x = Arrays.Random(random, 1, 3, 64, 64);
        GraphRecorder recording = model.Record(x, RecordingMode.Trace);

        var fused = new GraphPlan(recording, GraphPlan.Segment);
        var unfused = new GraphPlan(recording, GraphPlan.Segment, fuse: false);

        unfused.StepCount.Should().Be(fused.StepCount + 15, "eight blocks' adds and the first seven blocks' ReLUs (the last block's ReLU is compiled with the global average pool after it, one segment either way)");
        fused.Run(x).ToArray().Should().Equal(unfused.Run(x).ToArray());
        fused.PeakLiveMaps.Should().BeLessThanOrEqualTo(unfused.PeakLiveMaps);
    }

    private static long WarmAllocation(GraphPlan plan, Tensor x)
    {
        plan.Run(x);
        plan.Run(x);
        long before = GC.GetAllocatedBytesForCurrentThread();
        plan.Run(x);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>BatchNorm statistics and affine parameters away from the identity, so the fused sums are not trivial.</summary>
    private static void Randomize(Module model, Random random)
    {
        foreach ((string name, Tensor tensor) in model.StateDict())
        {
            Span<float> values = tensor.AsSpan();
            if (name.EndsWith("running_var", StringComparison.Ordinal) || (name.Contains("bn", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal)))
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = 0.5f + (float)random.NextDouble();
                }
            }
            else if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bias", StringComparison.Ordinal))
            {
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)(random.NextDouble() - 0.5);
                }
            }
        }
    }

    /// <summary>Two chains whose result is returned as a view (<c>Flatten</c>) of a planned map.</summary>
    private sealed class FlattenedBlock : Module
    {
        private readonly Sequential _first;
        private readonly Sequential _second;

        public FlattenedBlock(Sequential first, Sequential second)
        {
            _first = Register("first", first);
            _second = Register("second", second);
        }

        protected override Tensor ForwardCore(Tensor x) => _second.Forward(_first.Forward(x)).Flatten(1);
    }
}
