using System.Text.Json;
using System.Xml.Linq;
using LeNet.Data;
using LeNet.IO;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary>Trains once on the committed MNIST subset through <c>lenet train</c>; the tests then use its output.</summary>
public sealed class SubsetRunFixture : IDisposable
{
    public SubsetRunFixture()
    {
        (Code, Stdout, Stderr) = Lenet.Run("train", "--data", MnistTests.Subset, "--epochs", "4", "--batch-size", "32", "--lr", "0.002", "--seed", "1", "--out", Folder.Path);
    }

    public TempDirectory Folder { get; } = new();

    public int Code { get; }

    public string Stdout { get; }

    public string Stderr { get; }

    public string Weights => Folder.File("model.safetensors");

    public void Dispose() => Folder.Dispose();
}

public class TrainEvaluatePredictTests(SubsetRunFixture run) : IClassFixture<SubsetRunFixture>
{
    [Fact]
    public void Train_OnSubset_WritesWeightsMetricsAndPlot()
    {
        run.Code.Should().Be(0, run.Stderr);
        run.Stdout.Should().Contain("epoch 4: loss").And.Contain("Test accuracy:").And.Contain("model.safetensors");

        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(run.Folder.File("metrics.json")));
        JsonElement root = metrics.RootElement;
        root.GetProperty("recipe").GetString().Should().Be("modern");
        root.GetProperty("epochsCompleted").GetInt32().Should().Be(4);
        JsonElement[] epochs = root.GetProperty("epochs").EnumerateArray().ToArray();
        epochs.Should().HaveCount(4);
        epochs[^1].GetProperty("trainLoss").GetDouble().Should().BeLessThan(epochs[0].GetProperty("trainLoss").GetDouble());
        double accuracy = root.GetProperty("testAccuracy").GetDouble();
        accuracy.Should().BeGreaterThan(0.7).And.BeLessThanOrEqualTo(1);

        SafeTensorsFile weights = SafeTensors.Read(run.Weights);
        weights.Metadata.Should().Contain("recipe", "modern").And.Contain("epochs", "4").And.Contain("seed", "1").And.ContainKey("library");
        weights.Metadata["test_accuracy"].Should().Be(accuracy.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
        LeNetFactory.CreateModern().LoadStateDict(weights);

        XDocument svg = XDocument.Load(run.Folder.File("training.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        svg.Root!.Name.Should().Be(ns + "svg");
        svg.Descendants(ns + "polyline").Should().HaveCount(4, "train and test loss, train and test accuracy");
        svg.Descendants(ns + "polyline").First().Attribute("points")!.Value.Split(' ').Should().HaveCount(4, "one point per epoch");
    }

    [Fact]
    public void Evaluate_Weights_PrintsTheAccuracyTrainingMeasured()
    {
        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--weights", run.Weights, "--model", "modern", "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        var model = LeNetFactory.CreateModern();
        model.Load(run.Weights);
        EvaluationResult expected = Trainer.Evaluate(model, Mnist.Load(MnistTests.Subset).Test);
        stdout.Should().Contain($"accuracy {expected.Accuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture)} ({expected.Correct} of 500)");
        string[] lines = stdout.Split('\n');
        lines.Should().Contain(l => l.StartsWith("| class", StringComparison.Ordinal));
        lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d +\|( +\d+ \|){10}$")).Should().Be(10, "ten rows of the confusion matrix");
    }

    [Fact]
    public void Evaluate_WithoutModel_UsesTheRecipeTheWeightsRecord()
    {
        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--weights", run.Weights, "--data", MnistTests.Subset);
        (_, string asModern, _) = Lenet.Run("evaluate", "--weights", run.Weights, "--model", "modern", "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        stdout.Should().Be(asModern, "the file says it was trained with the modern recipe");
    }

    [Fact]
    public void Evaluate_ModelContradictingTheRecordedRecipe_WarnsAndObeys()
    {
        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--weights", run.Weights, "--model", "lenet", "--data", MnistTests.Subset);

        code.Should().Be(0);
        Lenet.OneLine(stderr).Should().Contain("warning").And.Contain("modern recipe").And.Contain("into the lenet network");
        var model = LeNetFactory.Create();
        model.Load(run.Weights);
        EvaluationResult expected = Trainer.Evaluate(model, Mnist.Load(MnistTests.Subset).Test);
        stdout.Should().Contain($"({expected.Correct} of 500)");
    }

    [Fact]
    public void Predict_MnistPictures_GivesTheirLabels()
    {
        string[] files = ["mnist-test-0-label-7.png", "mnist-test-1-label-2.jpg", "mnist-test-2-label-1.pgm"];

        (int code, string stdout, string stderr) = Lenet.Run(["predict", "--weights", run.Weights, "--model", "modern", .. files.Select(f => Path.Combine(Lenet.Digits, f))]);

        code.Should().Be(0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines[0].Should().Contain("label-7.png: 7 ");
        lines[1].Should().Contain("label-2.jpg: 2 ");
        lines[2].Should().Contain("label-1.pgm: 1 ");
    }

    [Fact]
    public void Predict_Json_HasDigitAndTenProbabilitiesPerImage()
    {
        string image = Path.Combine(Lenet.Digits, "mnist-test-0-label-7.png");

        (int code, string stdout, _) = Lenet.Run("predict", "--weights", run.Weights, "--model", "modern", "--json", image);

        code.Should().Be(0);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement result = json.RootElement.EnumerateArray().Single();
        result.GetProperty("file").GetString().Should().Be(image);
        result.GetProperty("digit").GetInt32().Should().Be(7);
        double[] probabilities = result.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        probabilities.Should().HaveCount(10);
        probabilities.Sum().Should().BeApproximately(1, 1e-5);
        Array.IndexOf(probabilities, probabilities.Max()).Should().Be(7);
    }

    [Theory]
    [InlineData("missing-weights", 2, "weights file*not found")]
    [InlineData("missing-image", 2, "image*not found")]
    [InlineData("corrupt-image", 3, "*not a PNG, JPEG or PGM*")]
    [InlineData("corrupt-weights", 3, "*")]
    [InlineData("mismatched-weights", 4, "*do not fit the modern model*missing key: '11.bias' [10]*")]
    public void Predict_Errors_ExitWithTheirCodeAndOneLine(string problem, int expectedCode, string message)
    {
        using var dir = new TempDirectory();
        string weights = run.Weights, image = Path.Combine(Lenet.Digits, "drawn-7.png");
        switch (problem)
        {
            case "missing-weights":
                weights = dir.File("none.safetensors");
                break;
            case "missing-image":
                image = dir.File("none.png");
                break;
            case "corrupt-image":
                image = dir.File("bad.png");
                File.WriteAllText(image, "this is not a picture");
                break;
            case "corrupt-weights":
                weights = dir.File("bad.safetensors");
                File.WriteAllBytes(weights, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
                break;
            default:
                weights = dir.File("partial.safetensors");
                var partial = LeNetFactory.CreateModern().StateDict().Where(kv => kv.Key != "11.bias").ToDictionary();
                SafeTensors.Write(weights, partial);
                break;
        }

        (int code, _, string stderr) = Lenet.Run("predict", "--weights", weights, "--model", "modern", image);

        code.Should().Be(expectedCode);
        Lenet.OneLine(stderr).Should().StartWith("lenet predict: ").And.Match("lenet predict: " + message);
    }

    [Fact]
    public void Train_Errors_ExitWithTheirCodeAndOneLine()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("occupied"), "a file where the output folder should be");

        (int missingData, _, string missingDataError) = Lenet.Run("train", "--data", dir.File("nowhere"), "--out", dir.File("out"));
        (int badEpochs, _, string badEpochsError) = Lenet.Run("train", "--epochs", "0", "--data", MnistTests.Subset, "--out", dir.File("out"));
        (int unwritable, _, string unwritableError) = Lenet.Run("train", "--data", MnistTests.Subset, "--epochs", "1", "--out", dir.File("occupied"));
        (int badRecipe, _, _) = Lenet.Run("train", "--recipe", "magic");

        missingData.Should().Be(2);
        Lenet.OneLine(missingDataError).Should().Match("lenet train: data folder*not found");
        badEpochs.Should().Be(1);
        Lenet.OneLine(badEpochsError).Should().Be("lenet train: --epochs must be at least 1, got 0");
        unwritable.Should().Be(5);
        Lenet.OneLine(unwritableError).Should().StartWith("lenet train: ");
        badRecipe.Should().Be(1);
    }

    [Fact]
    public void Train_CancelledBeforeTheFirstBatch_StillWritesAConsistentCheckpoint()
    {
        using var dir = new TempDirectory();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        (int code, string stdout, _) = Lenet.Run(cancel.Token, "train", "--data", MnistTests.Subset, "--epochs", "3", "--out", dir.Path);

        code.Should().Be(130);
        stdout.Should().Contain("Stopped by Ctrl+C after 0 complete epoch(s)");
        using JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(dir.File("metrics.json")));
        metrics.RootElement.GetProperty("completed").GetBoolean().Should().BeFalse();
        metrics.RootElement.GetProperty("epochsCompleted").GetInt32().Should().Be(0);
        LeNetFactory.CreateModern().LoadStateDict(SafeTensors.Read(dir.File("model.safetensors")));
        File.Exists(dir.File("training.svg")).Should().BeTrue();
    }

    [Fact]
    public void Bench_ShortRun_PrintsLatencyAndThroughput()
    {
        (int code, string stdout, string stderr) = Lenet.Run("bench", "--batch", "2", "--threads", "1", "--seconds", "0.3");

        code.Should().Be(0, stderr);
        stdout.Should().MatchRegex(@"lenet forward, batch 2, 1 thread: median [\d.]+ ms, p90 [\d.]+ ms per call \([\d,]+ calls\), [\d,]+ images/s");
    }
}
