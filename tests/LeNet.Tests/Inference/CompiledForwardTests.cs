using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Inference;

/// <summary>
/// Evaluation-mode <see cref="Layer.Forward"/> through the compiled plan: the same numbers as the
/// layers, one compilation per input shape, never stale weights whichever way they change, concurrent
/// callers, models the plan cannot compile.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class CompiledForwardTests
{
    private static Sequential EvalLeNet(bool modern = false, int seed = 5)
    {
        Sequential net = modern ? LeNetFactory.CreateModern(seed) : LeNetFactory.Create(seed);
        net.Eval();
        return net;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Forward_EvalMode_MatchesTheLayersForEveryBatch(bool modern)
    {
        Sequential net = EvalLeNet(modern);
        var random = new Random(3);
        foreach (int n in new[] { 1, 2, 7, 16, 17, 40 })
        {
            Tensor x = Arrays.Random(random, n, 1, 28, 28);

            Tensor compiled = net.Forward(x);

            compiled.Shape.ToArray().Should().Equal(n, 10);
            compiled.ToArray().Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 1e-5, because: $"batch {n}");
        }

        net.Engine!.Compilations.Should().Be(1, "every batch size shares the plan of the [1, 28, 28] image shape");
    }

    [Fact]
    public void Forward_NewImageShape_CompilesOncePerShape()
    {
        var random = new Random(4);
        var net = new Sequential(new Conv2d(2, 3, 3, random: random), new ReLU(), new Flatten(), new Linear(3 * 6 * 6, 4, random: random), new Sigmoid());
        net.Eval();
        Tensor small = Arrays.Random(random, 3, 2, 8, 8);

        net.Forward(small);
        net.Forward(small);

        net.Engine!.Compilations.Should().Be(1);
        Action other = () => net.Forward(Arrays.Random(random, 2, 2, 9, 9));
        other.Should().Throw<ArgumentException>("Linear(108→4) does not take the 3·7·7 features of a 9×9 image; the layer reports it");
        net.Forward(small).ToArray().Should().BeCloseTo(net.ForwardLayers(small).ToArray(), atol: 1e-6);
        net.Engine.Compilations.Should().Be(2, "the 9×9 shape was tried once (and found not to fit); the 8×8 plan stayed cached");
    }

    [Fact]
    public void Forward_TrainingMode_RunsTheLayersAndKeepsWhatBackwardNeeds()
    {
        Sequential net = LeNetFactory.Create(seed: 1);
        Tensor x = Arrays.Random(new Random(1), 2, 1, 28, 28);

        Tensor y = net.Forward(x);
        Tensor dx = net.Backward(new Tensor(y.Shape.ToArray()));

        net.Engine.Should().BeNull("training mode never compiles");
        dx.Shape.ToArray().Should().Equal(2, 1, 28, 28);
    }

    [Fact]
    public void Forward_OneChildInTrainingMode_RunsTheLayers()
    {
        Sequential net = EvalLeNet();
        net[1].Train();
        Tensor x = Arrays.Random(new Random(2), 1, 1, 28, 28);

        net.Forward(x);

        (net.Engine?.Compilations ?? 0).Should().Be(0, "a child in training mode must see its training-mode Forward");
    }

    public static IEnumerable<object[]> WeightChanges =>
    [
        ["LoadStateDict"], ["Load"], ["optimizer step"], ["Init.XavierUniform"], ["Init.Zeros"],
        ["AsSpan write"], ["indexer write"], ["ResetParameters"], ["Reshape view write"],
    ];

    [Theory]
    [MemberData(nameof(WeightChanges))]
    public void Forward_AfterWeightsChange_UsesTheNewWeights(string change)
    {
        Sequential net = EvalLeNet();
        Tensor x = Arrays.Random(new Random(9), 3, 1, 28, 28);
        float[] before = net.Forward(x).ToArray();
        var conv = (Conv2d)net[0];
        var fc = (Linear)net[7];

        switch (change)
        {
            case "LoadStateDict":
                net.LoadStateDict(LeNetFactory.Create(seed: 77).StateDict());
                break;
            case "Load":
                using (var folder = new TempDirectory())
                {
                    string path = Path.Combine(folder.Path, "other.safetensors");
                    LeNetFactory.Create(seed: 78).Save(path);
                    net.Load(path);
                }

                break;
            case "optimizer step":
                var sgd = new Sgd(net.Parameters(), lr: 0.5f);
                foreach (Parameter parameter in net.Parameters())
                {
                    parameter.Gradient.AsSpan().Fill(0.1f);
                }

                sgd.Step();
                break;
            case "Init.XavierUniform":
                Init.XavierUniform(conv.Weight.Value, new Random(5));
                break;
            case "Init.Zeros":
                Init.Zeros(fc.Bias!.Value);
                break;
            case "AsSpan write":
                net.StateDict()["0.weight"].AsSpan()[7] += 3f;
                break;
            case "indexer write":
                fc.Bias!.Value[0] = 4f;
                break;
            case "ResetParameters":
                conv.ResetParameters(new Random(6));
                break;
            case "Reshape view write":
                conv.Weight.Value.Reshape(-1)[12] = -2f;
                break;
        }

        float[] after = net.Forward(x).ToArray();

        after.Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 1e-5, because: $"the plan must see the weights after '{change}'");
        after.Should().NotEqual(before, $"'{change}' changed the output");
        net.Engine!.Compilations.Should().Be(2, "the plan was repacked once, for the change");
    }

    [Theory]
    [InlineData("running_mean")]
    [InlineData("running_var")]
    [InlineData("weight")]
    [InlineData("training step")]
    public void Forward_BatchNormLeNet_CompilesAndSeesEveryChangeOfItsStatistics(string change)
    {
        Sequential net = LeNetFactory.CreateBatchNorm(seed: 2);
        PredictorTests.RandomizeNorms(net, new Random(8));
        net.Eval();
        Tensor x = Arrays.Random(new Random(9), 5, 1, 28, 28);
        float[] before = net.Forward(x).ToArray();
        before.Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 2e-5);
        net.Engine!.RunnerCount(1, 28, 28).Should().BeGreaterThan(0, "the BatchNorm LeNet compiles (each BatchNorm folded)");

        switch (change)
        {
            case "training step":
                // A training-mode forward updates running_mean, running_var and num_batches_tracked.
                net.Train();
                net.Forward(Arrays.Random(new Random(10), 8, 1, 28, 28));
                net.Eval();
                break;
            default:
                net.StateDict()[$"1.{change}"].AsSpan()[2] += 0.75f;
                break;
        }

        float[] after = net.Forward(x).ToArray();

        after.Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 2e-5, because: $"the plan must see the BatchNorm after '{change}'");
        after.Should().NotEqual(before);
        net.Engine.Compilations.Should().Be(2);
    }

    [Fact]
    public void Forward_UnchangedWeights_NeverRecompiles()
    {
        Sequential net = EvalLeNet();
        Tensor x = Arrays.Random(new Random(2), 4, 1, 28, 28);

        for (int i = 0; i < 20; i++)
        {
            net.Forward(x);
        }

        _ = net.StateDict();
        _ = net.Summary(1, 1, 28, 28);
        using (var folder = new TempDirectory())
        {
            // Writing the weights out reads them: no version moves, no repacking.
            net.Save(Path.Combine(folder.Path, "w.safetensors"));
            LeNet.IO.TorchFile.Write(Path.Combine(folder.Path, "w.pt"), net.StateDict());
            LeNet.IO.OnnxExporter.Export(net, Path.Combine(folder.Path, "w.onnx"), 1, 1, 28, 28);
        }

        net.Forward(x);

        net.Engine!.Compilations.Should().Be(1);
    }

    [Fact]
    public void Forward_ConcurrentCallers_EachGetsTheSerialResult()
    {
        Sequential net = EvalLeNet(modern: true);
        var random = new Random(12);
        int[] batches = [1, 3, 16, 21];
        Tensor[] inputs = [.. batches.Select(n => Arrays.Random(random, n, 1, 28, 28))];
        float[][] serial = [.. inputs.Select(x => net.Forward(x).ToArray())];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var start = new Barrier(16);

        Thread[] threads = [.. Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int call = 0; call < 40; call++)
            {
                int which = (t + call) % inputs.Length;
                if (!net.Forward(inputs[which]).ToArray().AsSpan().SequenceEqual(serial[which]))
                {
                    failures.Add($"thread {t}, call {call}, batch {batches[which]}");
                }
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        failures.Should().BeEmpty("every concurrent call gets the serial result bit for bit");
        net.Engine!.Compilations.Should().Be(1);
        net.Engine.RunnerCount(1, 28, 28).Should().BeInRange(1, 16, "one runner per call that ran at once, no more");
    }

    [Fact]
    public void Forward_ThreadCount_DoesNotChangeTheBits()
    {
        Sequential net = EvalLeNet();
        Tensor x = Arrays.Random(new Random(8), 70, 1, 28, 28);
        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = 1;
            float[] one = net.Forward(x).ToArray();
            Parallelism.MaxDegreeOfParallelism = 3;
            float[] three = net.Forward(x).ToArray();

            three.Should().Equal(one);
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }

    private sealed class Doubler : Layer
    {
        public override string Name => nameof(Doubler);

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor output = input.Clone();
            foreach (ref float value in output.AsSpan())
            {
                value *= 2;
            }

            return output;
        }

        public override Tensor Backward(Tensor outputGradient) => throw new NotSupportedException();

        public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();
    }

    [Fact]
    public void Forward_LayerTheCompilerDoesNotKnow_RunsTheLayers()
    {
        var random = new Random(6);
        var net = new Sequential(new Conv2d(1, 2, 3, random: random), new Doubler(), new ReLU(), new Flatten(), new Linear(2 * 4 * 4, 3, random: random));
        net.Eval();
        Tensor x = Arrays.Random(random, 2, 1, 6, 6);

        Tensor y = net.Forward(x);

        y.ToArray().Should().Equal(net.ForwardLayers(x).ToArray(), "the model runs layer by layer, exactly");
        var conv = (Conv2d)net[0];
        var fc = (Linear)net[4];
        float[,,,] convOut = NaiveLayers.Conv2d(Arrays.To4D(x), Arrays.To4D(conv.Weight.Value), conv.Bias!.Value.ToArray(), 1, 0);
        float[] hidden = Arrays.Flat(convOut).Select(v => Math.Max(0f, 2 * v)).ToArray();
        float[] expected = Arrays.Flat(NaiveLayers.Linear(Arrays.To2D(Tensor.FromArray(hidden, 2, 32)), Arrays.To2D(fc.Weight.Value), fc.Bias!.Value.ToArray()));
        y.ToArray().Should().BeCloseTo(expected, atol: 1e-5);
    }

    [Fact]
    public void Forward_SteadyState_AllocatesOnlyTheReturnedTensor()
    {
        Sequential net = EvalLeNet();
        Tensor x = Arrays.Random(new Random(1), 1, 1, 28, 28);
        int saved = Parallelism.MaxDegreeOfParallelism;
        try
        {
            Parallelism.MaxDegreeOfParallelism = 1;
            for (int i = 0; i < 50; i++)
            {
                net.Forward(x);
            }

            long tensorBytes = GC.GetAllocatedBytesForCurrentThread();
            _ = new Tensor([1, 10]);
            tensorBytes = GC.GetAllocatedBytesForCurrentThread() - tensorBytes;

            // The runtime may allocate once on this thread while it re-compiles a method (tiering); the least of a
            // few rounds is what a call costs in the steady state.
            long perCall = long.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                long start = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < 100; i++)
                {
                    net.Forward(x);
                }

                perCall = Math.Min(perCall, (GC.GetAllocatedBytesForCurrentThread() - start) / 100);
            }

            perCall.Should().BeLessThanOrEqualTo(tensorBytes + 32, $"a [1, 10] tensor takes {tensorBytes} bytes; nothing else should be allocated per call");
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = saved;
        }
    }
}
