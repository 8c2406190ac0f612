using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Kernels;
using LeNet.Tests.Reference;
using LeNet.Training;
using LeNet.Training.Tiled;

namespace LeNet.Tests.Training;

/// <summary>
/// The fused, tiled training step against the layers' own Forward, CrossEntropyLoss and Backward (each
/// checked by central differences in the layer tests): the same loss, the same correct count and the same
/// parameter gradients, at every vector width, for batches that end in a partial tile.
/// </summary>
public class TiledTrainingStepTests
{
    public static IEnumerable<object[]> Models => KernelWidths.Cross(
    [
        ["d2l", 37],
        ["modern", 37],
        ["modern", 16],
        ["odd", 21],
        ["mlp", 19],
        ["no-bias", 1],
    ]);

    [Theory]
    [MemberData(nameof(Models))]
    public void Step_SameLossAndGradientsAsTheLayers(int width, string name, int rows)
    {
        (Sequential model, int[] sampleShape, int classes) = Model(name);
        var random = new Random(11);
        Tensor x = Arrays.Random(random, [rows, .. sampleShape]);
        int[] labels = [.. Enumerable.Range(0, rows).Select(_ => random.Next(classes))];
        var loss = new CrossEntropyLoss(labelSmoothing: 0.1f);

        model.Train();
        LossResult expected = loss.Compute(model.Forward(x), labels);
        model.ZeroGrad();
        model.Backward(expected.Gradient, computeInputGradient: false);
        float[][] expectedGradients = [.. model.Parameters().Select(p => p.Gradient.ToArray())];

        TiledTrainingStep step = TiledTrainingStep.TryCreate(model, sampleShape, loss, (SimdWidth)width)!;
        step.Should().NotBeNull();
        model.ZeroGrad();
        (float actualLoss, int correct) = step.Step(x.ToArray(), labels, rows);

        actualLoss.Should().BeApproximately(expected.Loss, 1e-5f);
        correct.Should().Be(expected.Correct);
        Parameter[] parameters = [.. model.Parameters()];
        for (int i = 0; i < parameters.Length; i++)
        {
            float scale = expectedGradients[i].Max(Math.Abs);
            parameters[i].Gradient.ToArray().Should().BeCloseTo(expectedGradients[i], atol: 2e-4 * scale, because: $"parameter {i} of {name}");
        }
    }

    [Fact]
    public void Step_Twice_AccumulatesLikeBackward()
    {
        (Sequential model, int[] sampleShape, _) = Model("modern");
        var random = new Random(3);
        float[] x = Arrays.Random(random, [20, .. sampleShape]).ToArray();
        int[] labels = [.. Enumerable.Range(0, 20).Select(_ => random.Next(10))];
        TiledTrainingStep step = TiledTrainingStep.TryCreate(model, sampleShape, new CrossEntropyLoss())!;

        model.ZeroGrad();
        step.Step(x, labels, 20);
        float[] once = model.Parameters().First().Gradient.ToArray();
        step.Step(x, labels, 20);

        model.Parameters().First().Gradient.ToArray().Should().BeCloseTo([.. once.Select(g => 2 * g)], atol: 1e-6, rtol: 1e-6);
    }

    [Fact]
    public void Step_LabelOutOfRange_ThrowsNamingTheRow()
    {
        (Sequential model, int[] sampleShape, _) = Model("mlp");
        TiledTrainingStep step = TiledTrainingStep.TryCreate(model, sampleShape, new CrossEntropyLoss())!;

        Action act = () => step.Step(new float[2 * 20], [1, 3], 2);

        act.Should().Throw<ArgumentException>().WithMessage("*target 3 of row 1 is outside [0, 3)*");
    }

    public static TheoryData<string> Unsupported => new()
    {
        "strided",
        "pool3",
        "pool-alone",
        "activation-first",
    };

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void TryCreate_LayersWithoutAFusedStage_ReturnsNull(string name)
    {
        var random = new Random(1);
        Sequential model = name switch
        {
            "strided" => new Sequential(new Conv2d(1, 2, 3, stride: 2, random: random), new Flatten(), new Linear(2 * 3 * 3, 3, random: random)),
            "pool3" => new Sequential(new Conv2d(1, 2, 3, random: random), new MaxPool2d(3), new Flatten(), new Linear(2 * 1 * 1, 3, random: random)),
            "pool-alone" => new Sequential(new AvgPool2d(2), new Flatten(), new Linear(9, 3, random: random)),
            _ => new Sequential(new ReLU(), new Flatten(), new Linear(36, 3, random: random)),
        };

        TiledTrainingStep.TryCreate(model, [1, 6, 6], new CrossEntropyLoss()).Should().BeNull();
    }

    [Fact]
    public void Fit_ModelWithoutAFusedStage_TrainsThroughTheLayers()
    {
        var random = new Random(2);
        var model = new Sequential(new Conv2d(1, 4, 3, stride: 2, padding: 1, random: random), new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 4, random: random));
        InMemoryBatchSource data = TrainerTests.Quadrants(400, seed: 3);
        TiledTrainingStep.TryCreate(model, data.SampleShape, new CrossEntropyLoss()).Should().BeNull();

        IReadOnlyList<EpochMetrics> history = new Trainer(model, new Adam(model.Parameters(), lr: 1e-2f))
            .Fit(data, options: new TrainerOptions { Epochs = 3, BatchSize = 32, Seed = 1 });

        history[^1].TrainLoss.Should().BeLessThan(history[0].TrainLoss * 0.7);
    }

    [Fact]
    public void Fit_TiledAndLayerSteps_TrainAlike()
    {
        InMemoryBatchSource data = TrainerTests.Quadrants(96, seed: 8, size: 28);
        float[] Train(bool tiled)
        {
            Sequential model = LeNetFactory.Create(seed: 4);
            var trainer = new Trainer(model, new Sgd(model.Parameters(), 0.1f)) { UseTiledStep = tiled };
            trainer.Fit(data, options: new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 2 });
            return model.Parameters().First().Value.ToArray();
        }

        float[] initial = LeNetFactory.Create(seed: 4).Parameters().First().Value.ToArray();
        float[] layers = Train(tiled: false), fused = Train(tiled: true);

        layers.Should().NotEqual(initial);
        fused.Should().BeCloseTo(layers, atol: 1e-5, because: "three SGD steps from the same gradients up to rounding");
    }

    private static (Sequential Model, int[] SampleShape, int Classes) Model(string name)
    {
        var random = new Random(5);
        return name switch
        {
            "d2l" => (LeNetFactory.Create(seed: 1), [1, 28, 28], 10),
            "modern" => (LeNetFactory.CreateModern(seed: 2), [1, 28, 28], 10),

            // 3×3 kernels (the general weight-gradient path), odd channel counts, a convolution without
            // pool or activation, odd map sizes whose last row no pool window covers, a non-square image.
            "odd" => (new Sequential(
                new Conv2d(2, 3, 3, padding: 1, random: random),
                new Sigmoid(),
                new Conv2d(3, 5, 5, random: random),
                new MaxPool2d(2),
                new Flatten(),
                new Linear(5 * 3 * 2, 7, random: random),
                new Sigmoid(),
                new Linear(7, 4, random: random)), [2, 11, 9], 4),
            // Layers without bias, a single image (one lane of one tile), a padded convolution after the
            // first stage (its input gradient has a border).
            "no-bias" => (new Sequential(
                new Conv2d(1, 4, 5, padding: 2, bias: false, random: random),
                new ReLU(),
                new AvgPool2d(2),
                new Conv2d(4, 6, 5, padding: 1, bias: false, random: random),
                new Sigmoid(),
                new Flatten(),
                new Linear(6 * 6 * 6, 5, bias: false, random: random)), [1, 16, 16], 5),
            _ => (new Sequential(
                new Linear(20, 9, random: random),
                new ReLU(),
                new Linear(9, 3, random: random)), [20], 3),
        };
    }
}
