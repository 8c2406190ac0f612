using System.Text.Json;
using LeNet.Cli;
using LeNet.Data;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary><c>lenet train/evaluate --dataset fashion-mnist</c> on the committed Fashion-MNIST excerpt, and the new recipes on the MNIST subset.</summary>
public class DatasetRecipeTests
{
    public static readonly string FashionSubset = Path.Combine(AppContext.BaseDirectory, "Data", "fashion-subset");

    private static JsonElement[] Epochs(string metricsPath)
    {
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return metrics.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    [Fact]
    public void TrainAndEvaluate_FashionMnist_RecordTheDatasetAndPrintClassNames()
    {
        using var dir = new TempDirectory();

        (int code, string stdout, string stderr) = Lenet.Run(
            "train", "--dataset", "fashion-mnist", "--data", FashionSubset, "--epochs", "2", "--batch-size", "32", "--seed", "3", "--out", dir.Path);
        (int evalCode, string evaluation, string evalError) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--data", FashionSubset);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("on 400 Fashion-MNIST images for 2 epochs");
        SafeTensorsFile weights = SafeTensors.Read(dir.File("model.safetensors"));
        weights.Metadata.Should().Contain("dataset", "fashion-mnist");
        using (JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(dir.File("metrics.json"))))
        {
            metrics.RootElement.GetProperty("dataset").GetString().Should().Be("fashion-mnist");
        }

        evalCode.Should().Be(0, evalError);
        Sequential model = LeNetFactory.CreateModern();
        model.LoadStateDict(weights);
        EvaluationResult expected = Trainer.Evaluate(model, Mnist.Load(FashionSubset).Test);
        evaluation.Should().Contain($"({expected.Correct} of 200)");
        string[] lines = evaluation.Split('\n');
        foreach ((string name, int c) in FashionMnist.ClassNames.Select((n, c) => (n, c)))
        {
            lines.Count(l => l.StartsWith($"| {c} {name} ", StringComparison.Ordinal)).Should().Be(2, "a row in the per-class table and one in the confusion matrix for {0}", name);
        }
    }

    [Fact]
    public void Evaluate_DatasetGiven_OverridesTheRecordedOne()
    {
        using var dir = new TempDirectory();
        Lenet.Run("train", "--data", MnistTestsSubset, "--epochs", "1", "--batch-size", "64", "--out", dir.Path).Code.Should().Be(0);

        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--dataset", "fashion-mnist", "--data", FashionSubset);
        (_, string digits, _) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--data", FashionSubset);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("| 9 Ankle boot ");
        digits.Should().NotContain("Ankle boot", "the file records MNIST, so classes are digits");
    }

    [Fact]
    public void Train_WideRecipe_ShiftsTheImagesFollowsTheCosineAndEvaluatesFromTheRecordedRecipe()
    {
        using var dir = new TempDirectory();

        (int code, string stdout, string stderr) = Lenet.Run("train", "--recipe", "wide", "--data", MnistTestsSubset, "--epochs", "2", "--out", dir.Path);
        (int evalCode, string evaluation, string evalError) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--data", MnistTestsSubset);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("Training wide (").And.Contain("batch 128, lr 0.003");
        JsonElement[] epochs = Epochs(dir.File("metrics.json"));
        // CosineAnnealingLR over 2 epochs: lr₀ · (1 + cos(π · e / 2)) / 2 → 3e-3, then 1.5e-3.
        epochs.Select(e => e.GetProperty("learningRate").GetDouble()).Should().Equal([0.003, 0.0015], (a, b) => Math.Abs(a - b) < 1e-9);
        SafeTensorsFile weights = SafeTensors.Read(dir.File("model.safetensors"));
        weights.Tensors.Values.Sum(t => t.Length).Should().Be(
            (16 * 25) + 16 + (32 * 16 * 25) + 32 + (800 * 100) + 100 + (100 * 10) + 10, "the network is LeNet-sized (under 100k parameters)");
        evalCode.Should().Be(0, evalError);
        Sequential model = TrainingRecipe.CreateWide();
        model.LoadStateDict(weights);
        EvaluationResult expected = Trainer.Evaluate(model, Mnist.Load(MnistTestsSubset).Test);
        evaluation.Should().Contain($"({expected.Correct} of 500)");
    }

    [Fact]
    public void Train_BnRecipe_TrainsD2lsBatchNormLeNetWithSgdAndEvaluatesFromTheRecordedRecipe()
    {
        using var dir = new TempDirectory();

        (int code, string stdout, string stderr) = Lenet.Run("train", "--recipe", "bn", "--data", MnistTestsSubset, "--epochs", "2", "--seed", "2", "--out", dir.Path);
        (int evalCode, string evaluation, string evalError) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--data", MnistTestsSubset);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("Training bn (").And.Contain("batch 256, lr 1");
        SafeTensorsFile weights = SafeTensors.Read(dir.File("model.safetensors"));
        weights.Keys.Should().Equal(LeNetFactory.CreateBatchNorm().StateDict().Keys);
        // 1,000 images in batches of 256: 4 steps per epoch, each counted by every BatchNorm.
        weights["1.num_batches_tracked"].ToArray().Should().Equal(8f);
        weights["1.running_var"].ToArray().Should().NotEqual(Enumerable.Repeat(1f, 6), "training moved the running statistics");
        evalCode.Should().Be(0, evalError);
        Sequential model = LeNetFactory.CreateBatchNorm();
        model.LoadStateDict(weights);
        EvaluationResult expected = Trainer.Evaluate(model, Mnist.Load(MnistTestsSubset).Test);
        evaluation.Should().Contain($"({expected.Correct} of 500)");
    }

    [Fact]
    public void Train_UnknownDataset_IsAUsageError()
    {
        (int code, _, string stderr) = Lenet.Run("train", "--dataset", "cifar10");

        code.Should().Be(1);
        stderr.Should().Contain("cifar10");
    }

    private static string MnistTestsSubset => Data.MnistTests.Subset;
}
