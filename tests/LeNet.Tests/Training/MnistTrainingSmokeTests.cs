using LeNet.Data;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Training;

/// <summary>Real MNIST images (the committed 1,000 + 500 subset): the whole stack learns digits.</summary>
public class MnistTrainingSmokeTests
{
    [Fact]
    public void Fit_ModernLeNetOnSubset_LossFallsAndAccuracyPassesEightyPercent()
    {
        Mnist mnist = Mnist.Load(MnistTests.Subset);
        Sequential model = LeNetFactory.CreateModern(seed: 0);
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 2e-3f));
        double before = trainer.Evaluate(mnist.Test).Loss;

        IReadOnlyList<EpochMetrics> history = trainer.Fit(mnist.Train, mnist.Test, new TrainerOptions { Epochs = 4, BatchSize = 32, Seed = 1 });

        history[^1].TrainLoss.Should().BeLessThan(history[0].TrainLoss);
        history[^1].TestLoss.Should().BeLessThan(before * 0.5);
        history[^1].TestAccuracy.Should().BeGreaterThan(0.8, "LeNet learns digits from 1,000 real MNIST images");
    }
}
