using System.Globalization;
using System.Text.Json;
using LeNet.Cli.Commands;
using LeNet.Data;
using LeNet.Imaging;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary>
/// <c>lenet predict|evaluate --onnx</c> with a model that ends in Softmax (or LogSoftmax), as many exported
/// classifiers do: its outputs are probabilities already, so predict shows them as they are and evaluate's loss
/// is −log p, not the softmax and cross-entropy of probabilities.
/// </summary>
public sealed class OnnxSoftmaxTests : IDisposable
{
    private static readonly string[] Images = ["mnist-test-0-label-7.png", "mnist-test-1-label-2.jpg", "drawn-7.png"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The pretrained modern LeNet followed by <paramref name="head"/>, exported as ONNX.</summary>
    private string Export(string head)
    {
        ILayer last = head == "LogSoftmax" ? new LogSoftmax(1) : new Softmax(1);
        string file = _dir.File(head + ".onnx");
        OnnxExporter.Export(new Sequential(LeNetFactory.CreatePretrained(LeNetVariant.Modern), last), file, 1, 1, 28, 28);
        return file;
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public void Predict_OnnxEndingInSoftmax_PrintsTheModelsOwnProbabilities(string head)
    {
        string onnx = Export(head);
        var model = (Sequential)OnnxImporter.Import(onnx);

        (int code, string stdout, string stderr) = Lenet.Run(["predict", "--onnx", onnx, "--json", .. Images.Select(f => Path.Combine(Lenet.Digits, f))]);

        code.Should().Be(0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement[] results = [.. json.RootElement.EnumerateArray()];
        results.Should().HaveCount(Images.Length);
        for (int i = 0; i < Images.Length; i++)
        {
            float[] image = DigitImageDecoder.DecodeToMnist(File.ReadAllBytes(Path.Combine(Lenet.Digits, Images[i])));
            float[] output = model.Forward(Tensor.FromArray(image, 1, 1, 28, 28)).ToArray();
            float[] expected = head == "LogSoftmax" ? [.. output.Select(MathF.Exp)] : output;
            float[] printed = [.. results[i].GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle())];

            printed.Sum().Should().BeApproximately(1f, 1e-5f, Images[i]);
            printed.Should().BeCloseTo(expected, atol: 1e-6, because: Images[i]);
            results[i].GetProperty("digit").GetInt32().Should().Be(Array.IndexOf(expected, expected.Max()));
        }
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public void Evaluate_OnnxEndingInSoftmax_ReportsTheLossOfTheModelsProbabilities(string head)
    {
        string onnx = Export(head);
        EvaluationResult expected = Trainer.Evaluate(LeNetFactory.CreatePretrained(LeNetVariant.Modern), Mnist.Load(MnistTests.Subset).Test);

        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--onnx", onnx, "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        string first = stdout.Split('\n')[0];
        first.Should().StartWith($"{onnx}: accuracy {expected.Accuracy.ToString("P2", CultureInfo.InvariantCulture)} ({expected.Correct} of 500), mean loss ");
        double loss = double.Parse(first[(first.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        loss.Should().BeApproximately(expected.Loss, 2e-4, "the mean of −log p over the test images");
    }

    [Fact]
    public void WithoutFinalSoftmax_NestedSoftmaxOverTheClasses_IsRemovedAndTheModelKept()
    {
        var body = new Sequential(new Flatten(), new Linear(784, 10, random: new Random(3)), new Softmax(-1));
        var net = new Sequential(("body", body));
        Tensor x = Tensor.FromArray([.. Enumerable.Range(0, 2 * 784).Select(i => MathF.Cos(i))], 2, 1, 28, 28);

        Module logits = EvaluateCommand.WithoutFinalSoftmax(net);

        logits.Forward(x).ToArray().Should().BeCloseTo(new Sequential(body[0], body[1]).Forward(x).ToArray(), atol: 1e-5, because: "a 784-term dot product, summed in another order by another path");
        logits.StateDict().Keys.Should().Equal("body.1.weight", "body.1.bias");
        body.Should().HaveCount(3, "the imported model itself is not changed");
    }

    [Fact]
    public void WithoutFinalSoftmax_LogSoftmaxOrSoftmaxOverAnotherDim_IsKept()
    {
        var log = new Sequential(new Flatten(), new Linear(784, 10), new LogSoftmax(1));
        var overBatch = new Sequential(new Flatten(), new Linear(784, 10), new Softmax(0));

        EvaluateCommand.WithoutFinalSoftmax(log).Should().BeSameAs(log);
        EvaluateCommand.WithoutFinalSoftmax(overBatch).Should().BeSameAs(overBatch);
    }
}
