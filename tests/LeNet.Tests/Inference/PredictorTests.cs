using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Inference;

public class PredictorTests
{
    // Batch sizes: one image (the single-image kernels), partial tiles of every lane-group count, full
    // tiles, several tiles with a partial last one.
    private static readonly int[] Batches = [1, 2, 3, 5, 8, 9, 15, 16, 17, 31, 33];

    public static IEnumerable<object[]> LeNets => KernelWidths.Cross([[false], [true]]);

    [Theory]
    [MemberData(nameof(LeNets))]
    public void Predict_LeNetEveryBatchSize_MatchesForward(int width, bool modern)
    {
        Sequential net = modern ? LeNetFactory.CreateModern(seed: 3) : LeNetFactory.Create(seed: 3);
        var predictor = new Predictor(net, [1, 28, 28], (SimdWidth)width);
        // The oracle: each layer's own Forward in evaluation mode (never the compiled plan the Predictor shares with Sequential.Forward).
        net.Eval();
        var random = new Random(17);
        foreach (int n in Batches)
        {
            Tensor images = Arrays.Random(random, n, 1, 28, 28);
            var logits = new float[n * 10];

            predictor.Predict(images.AsSpan(), logits);

            logits.Should().BeCloseTo(net.ForwardLayers(images).ToArray(), atol: 1e-5, because: $"batch {n}");
        }
    }

    // Shapes beyond LeNet: strides through im2col, odd channel counts, pools the convolution cannot fuse
    // (3×3, stride 1), a conv without activation or pool, an activation after a pool, 2×2 pools over
    // odd maps, a model starting with a dense layer.
    public static IEnumerable<object[]> Models => KernelWidths.Cross(
    [
        ["strided", new[] { 3, 11, 9 }],
        ["unfused", new[] { 2, 9, 10 }],
        ["odd", new[] { 1, 7, 7 }],
        ["oddpool", new[] { 2, 8, 10 }],
        ["dense", new[] { 37 }],
        ["wide", new[] { 3, 14, 14 }],
    ]);

    /// <summary>Gives every BatchNorm of <paramref name="net"/> running statistics, weight and bias far from their defaults.</summary>
    internal static void RandomizeNorms(Sequential net, Random random)
    {
        for (int i = 0; i < net.Count; i++)
        {
            if (net[i] is BatchNorm norm)
            {
                Tensor?[] affine = [norm.Weight?.Value, norm.Bias?.Value, norm.RunningMean];
                foreach (Tensor tensor in affine.OfType<Tensor>())
                {
                    Fill(tensor, () => (random.NextSingle() * 2f) - 1f);
                }

                Fill(norm.RunningVar!, () => 0.2f + (2f * random.NextSingle()));
            }
        }

        static void Fill(Tensor tensor, Func<float> next)
        {
            Span<float> values = tensor.AsSpan();
            for (int v = 0; v < values.Length; v++)
            {
                values[v] = next();
            }
        }
    }

    // d2l's BatchNorm LeNet, and a ReLU network with Dropout, Dropout2d, Identity and both BatchNorms:
    // the engine folds each BatchNorm into the convolution or dense layer before it and drops the
    // identities, so the plan has exactly the stages of the same network without them.
    public static IEnumerable<object[]> NormModels => KernelWidths.Cross([["d2l"], ["relu"]]);

    private static (Sequential Net, Sequential Bare) NormModel(string name)
    {
        var random = new Random(name.Length);
        if (name == "d2l")
        {
            Sequential bn = LeNetFactory.CreateBatchNorm(seed: 4);
            RandomizeNorms(bn, random);
            return (bn, LeNetFactory.Create());
        }

        var net = new Sequential(
            new Conv2d(2, 8, 3, padding: 1, random: random), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2), new Dropout2d(0.3f),
            new Conv2d(8, 12, 3, bias: false, random: random), new BatchNorm2d(12, affine: false), new Identity(),
            new Flatten(), new Linear(12 * 3 * 3, 20, random: random), new BatchNorm1d(20), new ReLU(), new Dropout(0.5f),
            new Linear(20, 5, random: random));
        RandomizeNorms(net, random);
        var bare = new Sequential(
            new Conv2d(2, 8, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(8, 12, 3, bias: false),
            new Flatten(), new Linear(12 * 3 * 3, 20), new ReLU(), new Linear(20, 5));
        return (net, bare);
    }

    [Theory]
    [MemberData(nameof(NormModels))]
    public void Predict_BatchNormDropoutIdentity_FoldedAndDroppedMatchEvaluationMode(int width, string name)
    {
        (Sequential net, Sequential bare) = NormModel(name);
        int[] imageShape = name == "d2l" ? [1, 28, 28] : [2, 10, 10];
        var predictor = new Predictor(net, imageShape, (SimdWidth)width);
        net.Eval();
        var random = new Random(11);
        foreach (int n in new[] { 1, 3, 16, 19 })
        {
            Tensor images = Arrays.Random(random, [n, .. imageShape]);

            Tensor outputs = predictor.Predict(images);

            outputs.ToArray().Should().BeCloseTo(net.ForwardLayers(images).ToArray(), atol: 2e-5, because: $"{name}, batch {n}: running statistics, no dropout");
        }

        new PredictorPlan(net, imageShape).Stages.Select(s => s.GetType().Name).Should().Equal(
            new PredictorPlan(bare, imageShape).Stages.Select(s => s.GetType().Name), "BatchNorm folds away, Dropout and Identity are dropped");
    }

    [Fact]
    public void Plan_BatchNormWithoutRunningStats_IsNotFolded()
    {
        // Without running statistics a BatchNorm normalizes with the batch's even in evaluation mode: no fixed affine map to fold.
        var net = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2, trackRunningStats: false), new Flatten(), new Linear(8, 2));

        Action act = () => _ = new Predictor(net, 1, 4, 4);

        act.Should().Throw<NotSupportedException>().WithMessage("*layer 1 (BatchNorm2d*");
    }

    [Fact]
    public void Plan_LargeMaps_RunTheirConvolutionsImageByImageAndTheDenseLayersOnTheTile()
    {
        var random = new Random(3);
        var wide = new Sequential(
            new Conv2d(1, 32, 3, random: random), new ReLU(), new Conv2d(32, 64, 3, random: random), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(9216, 128, random: random), new ReLU(), new Linear(128, 10, random: random));

        new PredictorPlan(wide, [1, 28, 28]).ImageStages.Should().Be(2, "pytorch/examples' Net: conv1 and conv2 image by image, fc1 and fc2 on the tile");
        new PredictorPlan(LeNetFactory.Create(), [1, 28, 28]).ImageStages.Should().Be(0, "LeNet's maps fit the tile layout");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Predict_OtherShapes_MatchForward(int width, string name, int[] imageShape)
    {
        var random = new Random(name.Length);
        Sequential net = name switch
        {
            "strided" => new Sequential(
                new Conv2d(3, 5, 3, stride: 2, padding: 1, random: random), new ReLU(), new MaxPool2d(2),
                new Conv2d(5, 4, 2, stride: 1, padding: 1, random: random), new Sigmoid(),
                new Flatten(), new Linear(4 * 4 * 3, 3, random: random)),
            "unfused" => new Sequential(
                new Conv2d(2, 3, 3, padding: 2, random: random), new Sigmoid(), new AvgPool2d(3, stride: 1),
                new Conv2d(3, 17, 1, random: random), new MaxPool2d(3, stride: 2), new ReLU(),
                new Flatten(), new Linear(17 * 4 * 4, 9, random: random), new Sigmoid()),
            "odd" => new Sequential(
                new Conv2d(1, 7, 2, random: random), new AvgPool2d(2), new Sigmoid(),
                new Flatten(), new Linear(7 * 3 * 3, 5, bias: false, random: random), new ReLU(), new Linear(5, 2, random: random)),
            "oddpool" => new Sequential(
                new Conv2d(2, 3, 2, random: random), new ReLU(), new MaxPool2d(2),
                new Conv2d(3, 16, 2, padding: 1, random: random), new Sigmoid(), new AvgPool2d(2),
                new Flatten(), new Linear(16 * 2 * 2, 3, random: random)),
            // Maps too large for the tile layout (40 channels of 12×12 for 16 images is 360 KB): the
            // convolutions run image by image inside a tile, through the wide channel-vectorized kernel
            // (40 and 36 channels: 3 vectors of 16, 5 of 8, 10 of 4, 36 of 1), the dense layer on the tile.
            "wide" => new Sequential(
                new Conv2d(3, 40, 3, random: random), new ReLU(), new Conv2d(40, 36, 3, random: random), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(36 * 5 * 5, 6, random: random)),
            _ => new Sequential(new Linear(37, 19, random: random), new Sigmoid(), new Linear(19, 4, random: random)),
        };
        var predictor = new Predictor(net, imageShape, (SimdWidth)width);
        net.Eval();
        foreach (int n in new[] { 1, 2, 7, 16, 21 })
        {
            Tensor images = Arrays.Random(random, [n, .. imageShape]);

            Tensor outputs = predictor.Predict(images);

            outputs.Shape.ToArray().Should().Equal(net.GetOutputShape(images.Shape));
            outputs.ToArray().Should().BeCloseTo(net.ForwardLayers(images).ToArray(), atol: 1e-5, because: $"{name}, batch {n}: each layer's own Forward in evaluation mode");
        }
    }

    [Fact]
    public void Predict_WrongLengths_ThrowNamingTheSizes()
    {
        var predictor = new Predictor(LeNetFactory.Create(), 1, 28, 28);

        Action partialImage = () => predictor.Predict(new float[784 + 1], new float[10]);
        Action wrongOutputs = () => predictor.Predict(new float[2 * 784], new float[10]);

        partialImage.Should().Throw<ArgumentException>().WithMessage("*785 floats*784*");
        wrongOutputs.Should().Throw<ArgumentException>().WithMessage("*2 images need 20 output floats*got 10*");
    }

    [Fact]
    public void Constructor_UnsupportedLayer_ThrowsNotSupportedNamingIt()
    {
        var net = new Sequential(new Linear(4, 4), new Sequential(new Flatten(), new PassThrough()));

        Action act = () => _ = new Predictor(net, 4);

        act.Should().Throw<NotSupportedException>().WithMessage("*layer 1 (PassThrough)*");
    }

    [Fact]
    public void Constructor_ShapeThatDoesNotFit_ThrowsTheLayersMessage()
    {
        Action act = () => _ = new Predictor(LeNetFactory.Create(), 3, 28, 28);

        act.Should().Throw<ArgumentException>().WithMessage("Conv2d(1→6, k=5, padding=2): expected 1 input channel, got 3*");
    }

    /// <summary>A layer the predictor does not know.</summary>
    private sealed class PassThrough : Layer
    {
        public override string Name => nameof(PassThrough);

        protected override Tensor ForwardCore(Tensor input) => input;

        public override Tensor Backward(Tensor outputGradient) => outputGradient;

        public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

        public override string ToString() => Name;
    }
}
