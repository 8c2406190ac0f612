using LeNet.Layers;
using LeNet.Tests.Reference;
using F = LeNet.Layers.Functional;

namespace LeNet.Tests.Graphs;

/// <summary>Modules with their own forward: registration and state dicts, backward through branches, evaluation-mode backward, the traced plan.</summary>
public class ModuleTests
{
    /// <summary>A residual block with a squeeze-and-excitation gate, a concatenation of chunks, a permute round trip and a parameter used in an operation.</summary>
    private sealed class Block : Module
    {
        private readonly Conv2d _conv1;
        private readonly BatchNorm2d _bn1;
        private readonly Tanh _act;
        private readonly Sequential _shortcut;
        private readonly Conv2d _fc1;
        private readonly Conv2d _fc2;
        private readonly Parameter _gamma;

        public Block(int channels, int seed, bool batchNorm = true)
        {
            var random = new Random(seed);
            _conv1 = Register("conv1", new Conv2d(channels, channels, 3, padding: 1, bias: false, random: random));
            _bn1 = Register("bn1", new BatchNorm2d(channels));
            _act = Register("act", new Tanh());
            _shortcut = Register("shortcut", new Sequential());
            _fc1 = Register("fc1", new Conv2d(channels, 2, 1, random: random));
            _fc2 = Register("fc2", new Conv2d(2, channels, 1, random: random));
            _gamma = RegisterParameter("gamma", Arrays.Random(random, channels, 1, 1));
            RegisterBuffer("scale", Tensor.FromArray([0.5f], 1));
            UsesBatchNorm = batchNorm;
        }

        public bool UsesBatchNorm { get; }

        protected override Tensor ForwardCore(Tensor x)
        {
            Tensor y = _conv1.Forward(x);
            y = _act.Forward(UsesBatchNorm ? _bn1.Forward(y) : y);
            Tensor scale = F.Sigmoid(_fc2.Forward(F.Tanh(_fc1.Forward(F.AdaptiveAvgPool2d(y, 1)))));
            y = (y * scale) + _shortcut.Forward(x);
            Tensor[] halves = y.Chunk(2, dim: 1);
            y = Tensor.Cat([halves[1], halves[0]], dim: 1);
            y = y.Permute(0, 2, 3, 1).Permute(0, 3, 1, 2);
            y = (_gamma.Value * y) + (y / 3f) - 0.25f;
            return _act.Forward(y).Mean([2, 3]);
        }
    }

    [Fact]
    public void StateDict_KeysFollowPyTorchsOrder_OwnParametersThenBuffersThenChildren()
    {
        var net = new Sequential(("block", new Block(4, 1)), ("fc", new Linear(4, 3)));

        string[] keys = [.. net.StateDict().Keys];

        keys.Should().Equal(
            "block.gamma", "block.scale", "block.conv1.weight", "block.bn1.weight", "block.bn1.bias", "block.bn1.running_mean",
            "block.bn1.running_var", "block.bn1.num_batches_tracked", "block.fc1.weight", "block.fc1.bias", "block.fc2.weight", "block.fc2.bias",
            "fc.weight", "fc.bias");
        net.NamedParameters().Select(p => p.Name).Should().Equal(
            "block.gamma", "block.conv1.weight", "block.bn1.weight", "block.bn1.bias", "block.fc1.weight", "block.fc1.bias", "block.fc2.weight", "block.fc2.bias", "fc.weight", "fc.bias");
        net.NamedBuffers().Select(b => b.Name).Should().Equal("block.scale", "block.bn1.running_mean", "block.bn1.running_var", "block.bn1.num_batches_tracked");
    }

    [Fact]
    public void Register_NameWithADotOrTaken_Throws()
    {
        Action dotted = () => _ = new Named("a.b");
        Action twice = () => _ = new Named("x", "x");

        dotted.Should().Throw<ArgumentException>().WithMessage("*'a.b' contains a dot*");
        twice.Should().Throw<ArgumentException>().WithMessage("*'x' is already registered*");
    }

    [Fact]
    public void Backward_TrainingMode_MatchesCentralDifferences()
    {
        var block = new Block(4, 2);
        Tensor x = Arrays.Random(new Random(3), 3, 4, 5, 5);

        ModuleGradients.Check(block, x);
    }

    [Fact]
    public void Backward_NestedInSequentialInsideAModule_MatchesCentralDifferences()
    {
        var net = new Wrapper(new Sequential(new Block(4, 4, batchNorm: false), new Linear(4, 3, random: new Random(5))));
        Tensor x = Arrays.Random(new Random(6), 2, 4, 4, 4);

        ModuleGradients.Check(net, x);
    }

    [Fact]
    public void Backward_EvaluationMode_UsesRunningStatisticsAndMatchesCentralDifferences()
    {
        var block = new Block(4, 7);
        Tensor x = Arrays.Random(new Random(8), 2, 4, 5, 5);
        block.Forward(x);
        block.Forward(Arrays.Random(new Random(9), 2, 4, 5, 5));
        block.Eval();

        ModuleGradients.Check(block, x);
    }

    [Fact]
    public void Backward_EvaluationModeSequentialWithDropout_IsTheIdentityThroughDropout()
    {
        var random = new Random(10);
        var net = new Sequential(new Linear(5, 4, random: random), new Dropout(0.5f), new BatchNorm1d(4), new Tanh(), new Linear(4, 2, random: random));
        Tensor x = Arrays.Random(random, 3, 5);
        net.Forward(x);
        net.Eval();

        ModuleGradients.Check(net, x);
    }

    [Fact]
    public void Forward_ALayerCalledTwice_IsDifferentiatedAtBothCalls()
    {
        var shared = new Shared(new Random(11));
        Tensor x = Arrays.Random(new Random(12), 2, 3, 4, 4);

        ModuleGradients.Check(shared, x);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Backward_TwiceAfterOneForwardWithALayerCalledTwice_GivesTheSameGradients(bool training)
    {
        // The first backward leaves the shared layers holding their first call's state; the second must recompute.
        var shared = new Shared(new Random(26));
        Tensor x = Arrays.Random(new Random(27), 2, 3, 4, 4);
        Tensor g = Arrays.Random(new Random(28), 2, 3, 4, 4);
        shared.Train(training);
        shared.Forward(x);

        shared.ZeroGrad();
        float[] first = shared.Backward(g).ToArray();
        float[] firstWeights = shared.Parameters().First().Gradient.ToArray();
        shared.ZeroGrad();
        float[] second = shared.Backward(g).ToArray();
        float[] secondWeights = shared.Parameters().First().Gradient.ToArray();

        second.Should().Equal(first);
        secondWeights.Should().Equal(firstWeights);
    }

    [Fact]
    public void Backward_ThroughAClone_MatchesTheSameForwardWithoutIt()
    {
        var cloned = new TwoConvs(cloneBetween: true);
        var plain = new TwoConvs(cloneBetween: false);
        Tensor x = Arrays.Random(new Random(29), 2, 2, 5, 5);
        Tensor g = Arrays.Random(new Random(30), 2, 2, 5, 5);
        cloned.Forward(x);
        plain.Forward(x);

        float[] clonedInput = cloned.Backward(g).ToArray();
        float[] plainInput = plain.Backward(g).ToArray();

        clonedInput.Should().Equal(plainInput);
        cloned.Parameters().First().Gradient.ToArray().Should().Equal(plain.Parameters().First().Gradient.ToArray(), "the first convolution's gradient flows through the copy");
        plain.Parameters().First().Gradient.ToArray().Should().Contain(v => v != 0);
        ModuleGradients.Check(cloned, x);
    }

    [Fact]
    public void Forward_EvaluationModeWithAClone_TracesTheCopyOfEachCallsValue()
    {
        var cloned = new TwoConvs(cloneBetween: true);
        cloned.Eval();
        Tensor x1 = Arrays.Random(new Random(31), 1, 2, 5, 5);
        Tensor x2 = Arrays.Random(new Random(32), 1, 2, 5, 5);
        cloned.Forward(x1);
        cloned.Forward(x1);

        float[] planned = cloned.Forward(x2).ToArray();

        cloned.Plans!.PlanFor(1, 2, 5, 5).Should().NotBeNull();
        planned.Should().BeCloseTo(cloned.Record(x2, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray(), 1e-5, 1e-5, "the plan copies x2's value, not the traced call's");
    }

    [Fact]
    public void Backward_EvaluationModeAfterAnotherThreadsForward_DifferentiatesThisThreadsInput()
    {
        var block = new Block(4, 33);
        block.Eval();
        Tensor mine = Arrays.Random(new Random(34), 2, 4, 5, 5);
        Tensor theirs = Arrays.Random(new Random(35), 2, 4, 5, 5);
        Tensor g = Arrays.Random(new Random(36), 2, 4);
        block.Forward(mine);
        float[] expected = block.Backward(g).ToArray();

        float[]? actual = null;
        using var forwardDone = new ManualResetEventSlim();
        using var otherDone = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            block.Forward(mine);
            forwardDone.Set();
            otherDone.Wait();
            actual = block.Backward(g).ToArray();
        });
        thread.Start();
        forwardDone.Wait();
        block.Forward(theirs);
        otherDone.Set();
        thread.Join();

        actual.Should().Equal(expected);
    }

    [Fact]
    public void Predict_AfterTheModelWentBackToTrainingMode_Throws()
    {
        var block = new Block(2, 37);
        block.Eval();
        var predictor = new LeNet.Inference.Predictor(block, 2, 4, 4);
        block.Train();

        Action act = () => predictor.Predict(new Tensor(1, 2, 4, 4));

        act.Should().Throw<InvalidOperationException>().WithMessage("Predictor: Block was put back in training mode*Eval()*");
    }

    [Fact]
    public void Backward_WithAnAuxiliaryOutput_AddsItsGradientAsTorchAutogradBackward()
    {
        // y = W1·x + b1 is the output, aux = W2·tanh(x) a kept result: ∂/∂x = W1ᵀ·g + (1 − tanh²x)·(W2ᵀ·gAux).
        var heads = new TwoHeads();
        Tensor x = Arrays.Random(new Random(39), 2, 3);
        Tensor g = Arrays.Random(new Random(40), 2, 4);
        Tensor gAux = Arrays.Random(new Random(41), 2, 5);
        heads.Forward(x);

        float[] dx = heads.Backward(g, [(heads.LastAux!, gAux)]).ToArray();

        float[] w1 = heads.Main.Weight.Value.ToArray(), w2 = heads.Aux.Weight.Value.ToArray();
        var expected = new float[6];
        for (int n = 0; n < 2; n++)
        {
            for (int i = 0; i < 3; i++)
            {
                double main = 0, aux = 0;
                for (int o = 0; o < 4; o++)
                {
                    main += w1[(o * 3) + i] * g[n, o];
                }

                for (int o = 0; o < 5; o++)
                {
                    aux += w2[(o * 3) + i] * gAux[n, o];
                }

                double t = Math.Tanh(x[n, i]);
                expected[(n * 3) + i] = (float)(main + ((1 - (t * t)) * aux));
            }
        }

        dx.Should().BeCloseTo(expected, 1e-5, 1e-5);
        heads.Aux.Weight.Gradient.ToArray().Should().Contain(v => v != 0, "the auxiliary head gets its gradient");
    }

    [Fact]
    public void Backward_WithATensorTheForwardDidNotCompute_ThrowsNamingIt()
    {
        var heads = new TwoHeads();
        heads.Forward(new Tensor(2, 3));

        Action foreign = () => heads.Backward(new Tensor(2, 4), [(new Tensor(2, 5), new Tensor(2, 5))]);
        Action wrongShape = () => heads.Backward(new Tensor(2, 4), [(heads.LastAux!, new Tensor(2, 4))]);

        foreign.Should().Throw<ArgumentException>().WithMessage("TwoHeads: a [2, 5] tensor given to Backward was not computed by the last forward.*");
        wrongShape.Should().Throw<ArgumentException>().WithMessage("TwoHeads: expected a gradient of shape [2, 5] for the [2, 5] tensor, got [2, 4].*");
    }

    [Fact]
    public void Forward_ATrainingModeBatchNormCalledTwice_ThrowsNamingIt()
    {
        var twice = new TwiceNormalized();

        Action act = () => twice.Forward(new Tensor(2, 3, 2, 2));

        act.Should().Throw<InvalidOperationException>().WithMessage("*layer 'bn' (BatchNorm2d(3))*called more than once*");
    }

    [Fact]
    public void Backward_WithoutAForward_Throws()
    {
        Action act = () => new Block(2, 1).Backward(new Tensor(1, 2));

        act.Should().Throw<InvalidOperationException>().WithMessage("Block: Backward needs a Forward first.");
    }

    [Fact]
    public void Backward_GradientOfAnotherShape_ThrowsNamingBoth()
    {
        var block = new Block(2, 1);
        block.Forward(new Tensor(1, 2, 3, 3));

        Action act = () => block.Backward(new Tensor(1, 3));

        act.Should().Throw<ArgumentException>().WithMessage("*[1, 2]*got [1, 3]*");
    }

    [Fact]
    public void Forward_EvaluationMode_TracedPlanMatchesTheLayerPath()
    {
        var block = new Block(4, 13);
        Tensor x = Arrays.Random(new Random(14), 3, 4, 6, 6);
        block.Forward(x);
        block.Eval();
        float[] eager = block.Record(x, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray();

        float[] first = block.Forward(x).ToArray();
        float[] second = block.Forward(x).ToArray();

        block.Plans!.PlanFor(3, 4, 6, 6).Should().NotBeNull("a forward that reads no values is traced");
        first.Should().BeCloseTo(eager, 1e-5, 1e-5, "the first call's answer is the traced plan's, which computes the same");
        second.Should().Equal(first, "every call runs the same plan");
    }

    [Fact]
    public void Forward_EvaluationModeOfAChainInsideAModule_CompilesTheChain()
    {
        var random = new Random(15);
        var net = new Wrapper(new Sequential(new Conv2d(1, 4, 3, random: random), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 3 * 3, 5, random: random)));
        net.Eval();
        Tensor x = Arrays.Random(random, 2, 1, 8, 8);
        float[] layerPath = net.Record(x, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray();

        net.Forward(x);
        float[] planned = net.Forward(x).ToArray();

        net.Plans!.PlanFor(2, 1, 8, 8)!.CompiledSteps.Should().BeGreaterThan(0);
        planned.Should().BeCloseTo(layerPath, 1e-5, 1e-5);
    }

    [Fact]
    public void Forward_AForwardThatReadsValues_RunsEagerlyForThatShape()
    {
        var branching = new Branching();
        branching.Eval();

        Tensor positive = branching.Forward(Tensor.FromArray([1f, 2f], 1, 2));
        Tensor negative = branching.Forward(Tensor.FromArray([-1f, 2f], 1, 2));

        branching.Plans!.PlanFor(1, 2).Should().BeNull("the forward branched on a value, so it is not traced");
        positive.ToArray().Should().Equal(2f, 4f);
        negative.ToArray().Should().Equal(-3f, 0f);
    }

    [Fact]
    public void Forward_EvaluationMode_SeesWeightsChangedBetweenCalls()
    {
        var block = new Block(2, 16);
        block.Eval();
        Tensor x = Arrays.Random(new Random(17), 1, 2, 4, 4);
        block.Forward(x);
        block.Forward(x);

        var conv1 = (Conv2d)block.NamedChildren().First(c => c.Name == "conv1").Layer;
        conv1.Weight.Value.AsSpan()[0] += 1f;
        var state = block.StateDict();
        state["bn1.running_mean"].AsSpan()[1] = 0.5f;
        float[] expected = block.Record(x, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray();

        block.Forward(x).ToArray().Should().BeCloseTo(expected, 1e-5, 1e-5);
    }

    [Fact]
    public void Forward_EvaluationMode_SeesLoadStateDictAndAnOptimizerStep()
    {
        var block = new Block(2, 21);
        var random = new Random(22);
        Tensor x = Arrays.Random(random, 2, 2, 4, 4);
        block.Eval();
        block.Forward(x);
        block.Forward(x);

        // LoadStateDict with other values, then an SGD step on the gradient of an evaluation-mode backward.
        var other = new Block(2, 23);
        block.LoadStateDict(other.StateDict());
        float[] afterLoad = block.Forward(x).ToArray();
        block.ZeroGrad();
        block.Backward(Arrays.Random(random, 2, 2));
        new LeNet.Training.Sgd(block.Parameters(), lr: 0.5f).Step();
        float[] afterStep = block.Forward(x).ToArray();

        other.Eval();
        afterLoad.Should().BeCloseTo(other.Forward(x).ToArray(), 1e-5, 1e-5, "the loaded weights are used");
        afterStep.Should().BeCloseTo(block.Record(x, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray(), 1e-5, 1e-5, "the stepped weights are used");
        afterStep.Should().NotEqual(afterLoad);
    }

    [Fact]
    public void Trainer_AModuleWithBatchNormMomentumAndWeightDecay_LowersTheLoss()
    {
        var random = new Random(24);
        var net = new Sequential(("stem", new Conv2d(1, 4, 3, padding: 1, random: random)), ("block", new Block(4, 25)), ("fc", new Linear(4, 3, random: random)));
        float[] images = new float[48 * 36];
        int[] labels = new int[48];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 3;
            for (int p = 0; p < 36; p++)
            {
                images[(i * 36) + p] = (float)((labels[i] == p % 3 ? 1.0 : -0.5) + (0.3 * random.NextDouble()));
            }
        }

        var data = new LeNet.Training.InMemoryBatchSource(images, labels, 1, 6, 6);
        var trainer = new LeNet.Training.Trainer(net, new LeNet.Training.Sgd(net.Parameters(), lr: 0.1f, momentum: 0.9f, weightDecay: 5e-4f));
        double before = LeNet.Training.Trainer.Evaluate(net, data).Loss;

        trainer.Fit(data, options: new LeNet.Training.TrainerOptions { Epochs = 15, BatchSize = 16, Seed = 1 });

        LeNet.Training.Trainer.Evaluate(net, data).Loss.Should().BeLessThan(before * 0.5);
        net.StateDict()["block.bn1.num_batches_tracked"].AsReadOnlySpan()[0].Should().Be(45, "BatchNorm trained in training mode");
    }

    [Fact]
    public void Forward_EvaluationModeFromManyThreads_GivesEveryCallersResult()
    {
        var block = new Block(4, 18);
        block.Eval();
        Tensor[] inputs = [.. Enumerable.Range(0, 8).Select(i => Arrays.Random(new Random(100 + i), 1 + (i % 3), 4, 5, 5))];
        float[][] expected = [.. inputs.Select(x => block.Record(x, LeNet.Graphs.RecordingMode.Trace).Output!.ToArray())];

        var results = new float[inputs.Length * 8][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = block.Forward(inputs[i % inputs.Length]).ToArray());

        for (int i = 0; i < results.Length; i++)
        {
            results[i].Should().BeCloseTo(expected[i % inputs.Length], 1e-5, 1e-5, $"call {i}");
        }
    }

    [Fact]
    public void Summary_ListsEveryLayerCallAndOperationWithItsPath()
    {
        var block = new Block(4, 19);

        ModelSummary summary = block.Summary(1, 4, 6, 6);

        summary.Layers.Select(r => r.Key).Should().ContainInOrder("conv1", "bn1", "act", "(functional)", "fc1");
        summary.Layers.Select(r => r.Name).Should().Contain(["mul", "add", "slice", "cat", "permute", "mean"]);
        summary.TotalParameters.Should().Be(block.Parameters().Sum(p => (long)p.Length));
        summary.Layers[^1].OutputShape.ToArray().Should().Equal(1, 4);
        block.IsTraining.Should().BeTrue("a summary changes no mode");
        block.StateDict()["bn1.num_batches_tracked"].AsReadOnlySpan()[0].Should().Be(0, "a summary computes no statistics");
    }

    [Fact]
    public void GetOutputShape_RunsNoLayer()
    {
        var block = new Block(4, 20);

        block.GetOutputShape([5, 4, 7, 7]).Should().Equal(5, 4);
        block.StateDict()["bn1.num_batches_tracked"].AsReadOnlySpan()[0].Should().Be(0);
    }

    [Fact]
    public void ToString_ListsTheChildrenAsPyTorchPrintsAModule()
    {
        string text = new Wrapper(new Sequential(new ReLU())).ToString();

        text.Should().Be("Wrapper(\n  (body): Sequential(\n    (0): ReLU()\n  )\n)");
    }

    private sealed class Named : Module
    {
        public Named(params string[] names)
        {
            foreach (string name in names)
            {
                Register(name, new ReLU());
            }
        }

        protected override Tensor ForwardCore(Tensor input) => input;
    }

    private sealed class Wrapper : Module
    {
        private readonly Layer _body;

        public Wrapper(Layer body) => _body = Register("body", body);

        protected override Tensor ForwardCore(Tensor input) => _body.Forward(input);
    }

    private sealed class Shared : Module
    {
        private readonly Conv2d _conv;
        private readonly Tanh _tanh;

        public Shared(Random random)
        {
            _conv = Register("conv", new Conv2d(3, 3, 3, padding: 1, random: random));
            _tanh = Register("tanh", new Tanh());
        }

        protected override Tensor ForwardCore(Tensor x)
        {
            Tensor first = _tanh.Forward(_conv.Forward(x));
            return _tanh.Forward(_conv.Forward(first)) + first;
        }
    }

    private sealed class TwoConvs : Module
    {
        private readonly Conv2d _conv1;
        private readonly Conv2d _conv2;
        private readonly bool _clone;

        public TwoConvs(bool cloneBetween)
        {
            var random = new Random(38);
            _conv1 = Register("conv1", new Conv2d(2, 2, 3, padding: 1, random: random));
            _conv2 = Register("conv2", new Conv2d(2, 2, 3, padding: 1, random: random));
            _clone = cloneBetween;
        }

        protected override Tensor ForwardCore(Tensor x)
        {
            Tensor h = F.Tanh(_conv1.Forward(x));
            return F.Tanh(_conv2.Forward(_clone ? h.Clone() : h));
        }
    }

    private sealed class TwoHeads : Module
    {
        public TwoHeads()
        {
            var random = new Random(42);
            Main = Register("main", new Linear(3, 4, random: random));
            Aux = Register("aux", new Linear(3, 5, random: random));
        }

        public Linear Main { get; }

        public Linear Aux { get; }

        public Tensor? LastAux { get; private set; }

        protected override Tensor ForwardCore(Tensor x)
        {
            LastAux = Aux.Forward(F.Tanh(x));
            return Main.Forward(x);
        }
    }

    private sealed class TwiceNormalized : Module
    {
        private readonly BatchNorm2d _bn;

        public TwiceNormalized() => _bn = Register("bn", new BatchNorm2d(3));

        protected override Tensor ForwardCore(Tensor x) => _bn.Forward(_bn.Forward(x));
    }

    private sealed class Branching : Module
    {
        protected override Tensor ForwardCore(Tensor x) => x.AsReadOnlySpan()[0] > 0 ? x * 2f : x - 2f;
    }
}
