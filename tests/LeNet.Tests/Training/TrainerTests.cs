using LeNet.Layers;
using LeNet.Models;
using LeNet.Training;

namespace LeNet.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void Fit_QuadrantTask_LossFallsAndAccuracyRises()
    {
        InMemoryBatchSource train = Quadrants(800, seed: 1), test = Quadrants(200, seed: 2);
        Sequential model = SmallNet(seed: 3);
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 1e-2f));

        IReadOnlyList<EpochMetrics> history = trainer.Fit(train, test, new TrainerOptions { Epochs = 4, BatchSize = 32, Seed = 4 });

        history.Should().HaveCount(4);
        history[^1].TrainLoss.Should().BeLessThan(history[0].TrainLoss * 0.5);
        history[^1].TestAccuracy.Should().BeGreaterThan(0.95);
        model.IsTraining.Should().BeFalse("Fit leaves the model ready for inference");
        trainer.Evaluate(test).Accuracy.Should().Be(history[^1].TestAccuracy!.Value);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Fit_SameSeed_BitIdenticalWeightsForOneAndTwoThreads(bool modern, bool tiled)
    {
        InMemoryBatchSource data = Quadrants(70, seed: 5, size: 28);
        float[][] Train(int threads)
        {
            int saved = Parallelism.MaxDegreeOfParallelism;
            Parallelism.MaxDegreeOfParallelism = threads;
            try
            {
                Sequential model = modern ? LeNetFactory.CreateModern(seed: 6) : LeNetFactory.Create(seed: 6);
                new Trainer(model, new Sgd(model.Parameters(), 0.1f, momentum: 0.9f)) { UseTiledStep = tiled }
                    .Fit(data, options: new TrainerOptions { Epochs = 2, BatchSize = 33, Seed = 7 });
                return model.Parameters().Select(p => p.Value.ToArray()).ToArray();
            }
            finally
            {
                Parallelism.MaxDegreeOfParallelism = saved;
            }
        }

        float[][] one = Train(1), two = Train(2);

        for (int i = 0; i < one.Length; i++)
        {
            two[i].Should().Equal(one[i], $"parameter {i}");
        }

        one[0].Should().NotEqual((modern ? LeNetFactory.CreateModern(seed: 6) : LeNetFactory.Create(seed: 6)).Parameters().First().Value.ToArray(), "training changed the weights");
    }

    [Fact]
    public void Fit_ReportsEveryBatchAndEveryEpoch()
    {
        var reports = new List<TrainingProgress>();
        Sequential model = SmallNet(seed: 1);

        new Trainer(model, new Sgd(model.Parameters(), 0.05f))
            .Fit(Quadrants(100, seed: 1), Quadrants(20, seed: 2), new TrainerOptions { Epochs = 2, BatchSize = 30 }, new SyncProgress(reports.Add));

        // 100 samples in batches of 30: 4 batches, then an epoch report, twice.
        reports.Should().HaveCount(10);
        reports.Select(r => (r.Epoch, r.Batch, r.EpochCompleted is not null)).Should().Equal(
            (1, 1, false), (1, 2, false), (1, 3, false), (1, 4, false), (1, 4, true),
            (2, 1, false), (2, 2, false), (2, 3, false), (2, 4, false), (2, 4, true));
        reports[4].EpochCompleted!.TestAccuracy.Should().NotBeNull();
        reports.Should().OnlyContain(r => r.BatchesPerEpoch == 4 && r.ImagesPerSecond > 0);
    }

    [Fact]
    public void Fit_NaNWeights_StopsNamingEpochAndBatch()
    {
        Sequential model = SmallNet(seed: 1);
        ((Linear)model[4]).Weight.Value.AsSpan()[0] = float.NaN;
        var trainer = new Trainer(model, new Sgd(model.Parameters(), 0.1f));

        Action act = () => trainer.Fit(Quadrants(40, seed: 1), options: new TrainerOptions { Epochs = 1, BatchSize = 16 });

        act.Should().Throw<TrainingDivergedException>().WithMessage("*NaN at epoch 1, batch 1*")
            .Which.Batch.Should().Be(1);
    }

    [Fact]
    public void Fit_CancelledAfterFirstBatch_StopsAfterExactlyOneStep()
    {
        Sequential model = SmallNet(seed: 2);
        float[] before = model.Parameters().First().Value.ToArray();
        using var cancel = new CancellationTokenSource();
        var optimizer = new Sgd(model.Parameters(), 0.1f);
        var trainer = new Trainer(model, optimizer);

        Action act = () => trainer.Fit(
            Quadrants(100, seed: 1), options: new TrainerOptions { Epochs = 3, BatchSize = 10 },
            progress: new SyncProgress(_ => cancel.Cancel()), cancellationToken: cancel.Token);

        act.Should().Throw<OperationCanceledException>();
        optimizer.StepCount.Should().Be(1);
        trainer.History.Should().BeEmpty();
        model.Parameters().First().Value.ToArray().Should().NotEqual(before);
        model.IsTraining.Should().BeFalse();
    }

    [Fact]
    public void Fit_SamplesThatDoNotFitTheModel_ThrowsUpFront()
    {
        Sequential model = LeNetFactory.Create();
        var trainer = new Trainer(model, new Sgd(model.Parameters(), 0.1f));

        Action act = () => trainer.Fit(Quadrants(10, seed: 1, size: 8));

        act.Should().Throw<ArgumentException>().WithMessage("Trainer: samples of shape [1, 8, 8] do not fit the model*");
    }

    [Fact]
    public void Evaluate_ConfusionMatrix_CountsEverySample()
    {
        Sequential model = SmallNet(seed: 4);
        InMemoryBatchSource data = Quadrants(50, seed: 3);
        var x = new float[50 * 64];
        var labels = new int[50];
        data.CopyBatch([.. Enumerable.Range(0, 50)], x, labels);

        EvaluationResult result = Trainer.Evaluate(model, data, batchSize: 7);

        // The independent count: each layer's own Forward (evaluation mode), argmax by hand, compared with the labels.
        model.IsTraining.Should().BeTrue("Evaluate restores the mode it found");
        model.Eval();
        float[] logits = model.ForwardLayers(Tensor.FromArray(x, 50, 1, 8, 8)).ToArray();
        int correct = 0;
        var perClass = new int[4];
        for (int i = 0; i < 50; i++)
        {
            int best = 0;
            for (int c = 1; c < 4; c++)
            {
                best = logits[(i * 4) + c] > logits[(i * 4) + best] ? c : best;
            }

            correct += best == labels[i] ? 1 : 0;
            perClass[labels[i]]++;
        }

        correct.Should().BeInRange(1, 49, "an untrained net gets some right and some wrong, so the count can tell");
        result.Count.Should().Be(50);
        result.Correct.Should().Be(correct);
        result.Accuracy.Should().Be(correct / 50.0);
        for (int c = 0; c < 4; c++)
        {
            Enumerable.Range(0, result.Confusion.GetLength(1)).Sum(p => result.Confusion[c, p]).Should().Be(perClass[c], $"row {c} counts the samples labelled {c}");
        }
    }

    [Fact]
    public void Evaluate_SameFiguresAsForwardAndTheLoss()
    {
        // Evaluate runs the model through a Predictor; the figures must be those of Forward + CrossEntropyLoss.
        Sequential model = LeNetFactory.CreateModern(seed: 9);
        InMemoryBatchSource data = Quadrants(45, seed: 10, size: 28);
        var x = new float[45 * 784];
        var labels = new int[45];
        data.CopyBatch([.. Enumerable.Range(0, 45)], x, labels);
        model.Eval();
        Tensor logits = model.Forward(Tensor.FromArray(x, 45, 1, 28, 28));
        LossResult expected = new CrossEntropyLoss().Compute(logits, labels);

        EvaluationResult result = Trainer.Evaluate(model, data, batchSize: 20);

        var confusion = new int[10, 10];
        for (int i = 0; i < 45; i++)
        {
            confusion[labels[i], Enumerable.Range(0, 10).MaxBy(c => logits[i, c])]++;
        }

        result.Loss.Should().BeApproximately(expected.Loss, 1e-5);
        result.Correct.Should().Be(expected.Correct);
        result.Confusion.Cast<int>().Should().Equal(confusion.Cast<int>());
    }

    /// <summary>A task a small CNN learns in seconds: the class is the quadrant of a bright 3×3 blob on noise.</summary>
    internal static InMemoryBatchSource Quadrants(int count, int seed, int size = 8)
    {
        var random = new Random(seed);
        var samples = new float[count * size * size];
        var labels = new int[count];
        int half = size / 2;
        for (int i = 0; i < count; i++)
        {
            int label = random.Next(4);
            labels[i] = label;
            Span<float> image = samples.AsSpan(i * size * size, size * size);
            for (int p = 0; p < image.Length; p++)
            {
                image[p] = (float)(random.NextDouble() * 0.2);
            }

            int top = ((label / 2) * half) + random.Next(half - 2);
            int left = ((label % 2) * half) + random.Next(half - 2);
            for (int y = top; y < top + 3; y++)
            {
                for (int x = left; x < left + 3; x++)
                {
                    image[(y * size) + x] = 1f;
                }
            }
        }

        return new InMemoryBatchSource(samples, labels, 1, size, size);
    }

    private static Sequential SmallNet(int seed)
    {
        var random = new Random(seed);
        return new Sequential(
            new Conv2d(1, 4, 3, padding: 1, random: random),
            new ReLU(),
            new MaxPool2d(2),
            new Flatten(),
            new Linear(4 * 4 * 4, 4, random: random));
    }

    /// <summary>An IProgress that runs its handler inline (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> handler) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => handler(value);
    }
}
