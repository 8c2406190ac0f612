using System.Globalization;
using LeNet.Cli;
using LeNet.Data;
using LeNet.Imaging;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary><c>lenet evaluate|predict --onnx FILE</c>: an ONNX model (exported here from the pretrained weights) runs like the weights it came from.</summary>
public sealed class OnnxCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _onnx;

    public OnnxCommandTests()
    {
        _onnx = _dir.File("modern.onnx");
        OnnxExporter.Export(LeNetFactory.CreatePretrained(LeNetVariant.Modern), _onnx, 1, 1, 28, 28);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Evaluate_Onnx_PrintsTheAccuracyOfTheModelItHolds()
    {
        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--onnx", _onnx, "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        EvaluationResult expected = Trainer.Evaluate(LeNetFactory.CreatePretrained(LeNetVariant.Modern), Mnist.Load(MnistTests.Subset).Test);
        stdout.Should().StartWith($"{_onnx}: accuracy {expected.Accuracy.ToString("P2", CultureInfo.InvariantCulture)} ({expected.Correct} of 500)");
    }

    [Fact]
    public void Predict_Onnx_GivesThePretrainedModelsDigits()
    {
        string[] files = ["mnist-test-0-label-7.png", "mnist-test-1-label-2.jpg", "mnist-test-2-label-1.pgm"];
        Sequential pretrained = LeNetFactory.CreatePretrained(LeNetVariant.Modern);

        (int code, string stdout, string stderr) = Lenet.Run(["predict", "--onnx", _onnx, .. files.Select(f => Path.Combine(Lenet.Digits, f))]);

        code.Should().Be(0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        for (int i = 0; i < files.Length; i++)
        {
            DigitPrediction expected = pretrained.PredictDigit(DigitImageDecoder.DecodeToMnist(File.ReadAllBytes(Path.Combine(Lenet.Digits, files[i]))));
            lines[i].Should().Contain($"{files[i]}: {expected.Digit} ");
        }
    }

    [Theory]
    [InlineData("both", ExitCodes.Usage, "either --weights FILE or --onnx FILE")]
    [InlineData("neither", ExitCodes.Usage, "either --weights FILE or --onnx FILE")]
    [InlineData("model", ExitCodes.Usage, "--model applies to --weights")]
    [InlineData("missing", ExitCodes.InputNotFound, "not found")]
    [InlineData("garbage", ExitCodes.InvalidInput, "not a valid ONNX model")]
    [InlineData("unsupported", ExitCodes.InvalidInput, "opset 5")]
    [InlineData("wrong shape", ExitCodes.InvalidInput, "expected [1, 10]")]
    public void Predict_OnnxErrors_ExitWithTheirCodeAndOneLine(string problem, int expectedCode, string message)
    {
        string image = Path.Combine(Lenet.Digits, "mnist-test-0-label-7.png");
        string file = _dir.File(problem + ".onnx");
        switch (problem)
        {
            case "garbage":
                File.WriteAllBytes(file, [0x08, 0x07, 0x3A, 0xFF, 0x01]);
                break;
            case "unsupported":
                byte[] bytes = File.ReadAllBytes(_onnx);
                // The exporter writes opset_import last: field 8 { version (2) = 13 } → 08 02 10 0D; make it opset 5.
                bytes[^1].Should().Be(13);
                bytes[^1] = 5;
                File.WriteAllBytes(file, bytes);
                break;
            case "wrong shape":
                OnnxExporter.Export(new Sequential(new Flatten(), new Linear(784, 3)), file, 1, 1, 28, 28);
                break;
            default:
                file = problem == "missing" ? _dir.File("nowhere.onnx") : _onnx;
                break;
        }

        string[] args = problem switch
        {
            "both" => ["predict", "--onnx", file, "--weights", file, image],
            "neither" => ["predict", image],
            "model" => ["predict", "--onnx", file, "--model", "modern", image],
            _ => ["predict", "--onnx", file, image],
        };

        (int code, _, string stderr) = Lenet.Run(args);

        code.Should().Be(expectedCode, stderr);
        Lenet.OneLine(stderr).Should().StartWith("lenet predict: ").And.Contain(message);
    }
}
