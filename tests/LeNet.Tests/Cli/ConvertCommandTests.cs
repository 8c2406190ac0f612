using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.IO;

namespace LeNet.Tests.Cli;

public class ConvertCommandTests
{
    private static void ShouldHoldTheSameTensors(IReadOnlyDictionary<string, Tensor> actual, IReadOnlyDictionary<string, Tensor> expected)
    {
        actual.Keys.Should().Equal(expected.Keys);
        foreach ((string key, Tensor tensor) in expected)
        {
            actual[key].Shape.ToArray().Should().Equal(tensor.Shape.ToArray(), key);
            actual[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }
    }

    [Fact]
    public void Convert_SafeTensorsToPt_WritesATorchFileWithTheSameTensors()
    {
        using var dir = new TempDirectory();
        LeNetFactory.Create(3).Save(dir.File("w.safetensors"));

        (int code, string stdout, string stderr) = Lenet.Run("convert", dir.File("w.safetensors"), dir.File("w.pt"));

        code.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        stdout.Should().Contain("Converted the lenet weights").And.Contain(dir.File("w.pt"));
        ShouldHoldTheSameTensors(TorchFile.Read(dir.File("w.pt")), LeNetFactory.Create(3).StateDict());
    }

    [Fact]
    public void Convert_PthToSafeTensors_WithModel_WritesTheSameTensors()
    {
        using var dir = new TempDirectory();
        TorchFile.Write(dir.File("w.pth"), LeNetFactory.CreateModern(4).StateDict());

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("w.pth"), dir.File("w.safetensors"), "--model", "modern");

        code.Should().Be(0, stderr);
        ShouldHoldTheSameTensors(SafeTensors.Read(dir.File("w.safetensors")), LeNetFactory.CreateModern(4).StateDict());
    }

    [Fact]
    public void Convert_PtToOnnx_WritesTheSameOnnxAsTheLibrary()
    {
        using var dir = new TempDirectory();
        TorchFile.Write(dir.File("w.pt"), LeNetFactory.Create(5).StateDict());

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("w.pt"), dir.File("m.onnx"));

        code.Should().Be(0, stderr);
        File.ReadAllBytes(dir.File("m.onnx")).Should().Equal(OnnxExporter.Serialize(LeNetFactory.Create(5), [1, 1, 28, 28]));
    }

    [Fact]
    public void Convert_PyTorchFileOfAnotherNetwork_ExitsWeightsMismatch()
    {
        using var dir = new TempDirectory();

        (int code, _, string stderr) = Lenet.Run("convert", TorchFixtures.File("net_zip.pt"), dir.File("w.safetensors"));

        code.Should().Be(4);
        Lenet.OneLine(stderr).Should().Match("lenet convert: the weights in '*net_zip.pt' do not fit the lenet model: *missing keys: '0.weight'*unexpected keys: 'conv1.weight'*The file holds*");
        File.Exists(dir.File("w.safetensors")).Should().BeFalse();
    }

    [Fact]
    public void Convert_MaliciousPickle_ExitsInvalidInputNamingTheGlobal()
    {
        using var dir = new TempDirectory();
        if (File.Exists(TorchFixtures.Marker))
        {
            File.Delete(TorchFixtures.Marker);
        }

        (int code, _, string stderr) = Lenet.Run("convert", TorchFixtures.File("evil_system.pt"), dir.File("w.safetensors"));

        code.Should().Be(3);
        Lenet.OneLine(stderr).Should().Match("lenet convert: Invalid PyTorch file '*evil_system.pt': refused the Python global 'posix.system'*");
        File.Exists(TorchFixtures.Marker).Should().BeFalse();
    }

    [Fact]
    public void Convert_NeitherFormat_ExitsInvalidInputSayingWhatIsAccepted()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("w.pt"), "hello, not weights");

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("w.pt"), dir.File("w.safetensors"));

        code.Should().Be(3);
        Lenet.OneLine(stderr).Should().Match("lenet convert: '*w.pt' is not a weights file this library reads: it is neither a safetensors file*nor a PyTorch torch.save file*");
    }

    [Fact]
    public void Convert_OnnxToSafeTensors_WritesTheWeightsOfTheModelItHolds()
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(LeNetFactory.Create(5), dir.File("m.onnx"), 1, 1, 28, 28);

        (int code, string stdout, string stderr) = Lenet.Run("convert", dir.File("m.onnx"), dir.File("w.safetensors"));

        code.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        stdout.Should().Be($"Converted the ONNX model '{dir.File("m.onnx")}' to '{dir.File("w.safetensors")}' (safetensors, F32).{Environment.NewLine}");
        ShouldHoldTheSameTensors(SafeTensors.Read(dir.File("w.safetensors")), LeNetFactory.Create(5).StateDict());
    }

    [Fact]
    public void Convert_OnnxToPt_WritesATorchFileThatLoadsBackIntoTheNetwork()
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(LeNetFactory.CreateModern(6), dir.File("m.onnx"), 1, 1, 28, 28);

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("m.onnx"), dir.File("w.pth"));

        code.Should().Be(0, stderr);
        ShouldHoldTheSameTensors(TorchFile.Read(dir.File("w.pth")), LeNetFactory.CreateModern(6).StateDict());
        (int predictCode, string fromPt, _) = Lenet.Run("predict", "--weights", dir.File("w.pth"), "--model", "modern", Path.Combine(Lenet.Digits, "drawn-7.png"));
        (_, string fromOnnx, _) = Lenet.Run("predict", "--onnx", dir.File("m.onnx"), Path.Combine(Lenet.Digits, "drawn-7.png"));
        predictCode.Should().Be(0);
        fromPt.Should().Be(fromOnnx);
    }

    [Fact]
    public void Convert_OnnxToOnnx_KeepsTheInputShapeOfTheGraph()
    {
        // Not an MNIST model: 3 × 8 × 8 in, 5 out, so the shape can only come from the file.
        using var dir = new TempDirectory();
        var net = new Sequential(new Conv2d(3, 4, 3, random: new Random(7)), new ReLU(), new Flatten(), new Linear(4 * 6 * 6, 5, random: new Random(8)));
        OnnxExporter.Export(net, dir.File("in.onnx"), 2, 3, 8, 8);

        (int code, string stdout, string stderr) = Lenet.Run("convert", dir.File("in.onnx"), dir.File("out.onnx"));

        code.Should().Be(0, stderr);
        stdout.Should().Contain($"(ONNX IR {OnnxExporter.IrVersion}, opset {OnnxExporter.OpsetVersion}, input [1, 3, 8, 8])");
        var imported = (Sequential)OnnxImporter.Import(dir.File("out.onnx"));
        File.ReadAllBytes(dir.File("out.onnx")).Should().Equal(OnnxExporter.Serialize(OnnxImporter.Import(dir.File("in.onnx")), [1, 3, 8, 8]));
        Tensor x = Tensor.FromArray([.. Enumerable.Range(0, 2 * 3 * 8 * 8).Select(i => MathF.Sin(i))], 2, 3, 8, 8);
        imported.Forward(x).ToArray().Should().BeCloseTo(net.Forward(x).ToArray(), atol: 1e-6);
    }

    [Theory]
    [InlineData("--model", "modern", "--model applies to weights files; an ONNX model brings its own network")]
    [InlineData("--strip-prefix", "module.", "--strip-prefix applies to weights files")]
    public void Convert_OnnxWithAWeightsOption_ExitsUsage(string option, string value, string message)
    {
        using var dir = new TempDirectory();
        OnnxExporter.Export(LeNetFactory.Create(5), dir.File("m.onnx"), 1, 1, 28, 28);

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("m.onnx"), dir.File("w.pt"), option, value);

        code.Should().Be(1);
        Lenet.OneLine(stderr).Should().StartWith("lenet convert: " + message);
        File.Exists(dir.File("w.pt")).Should().BeFalse();
    }

    [Fact]
    public void Convert_OnnxInputThatIsNotOnnx_ExitsInvalidInput()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("m.onnx"), [8, 7]);

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("m.onnx"), dir.File("w.pt"));

        code.Should().Be(3);
        Lenet.OneLine(stderr).Should().StartWith("lenet convert: OnnxImporter: 'm.onnx' is not a valid ONNX model");
    }

    [Fact]
    public void Convert_MissingOnnxInput_ExitsInputNotFound()
    {
        using var dir = new TempDirectory();

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("nope.onnx"), dir.File("w.pt"));

        code.Should().Be(2);
        Lenet.OneLine(stderr).Should().Be($"lenet convert: ONNX file '{dir.File("nope.onnx")}' not found");
    }

    [Fact]
    public void Convert_UnknownOutputExtension_ExitsUsage()
    {
        using var dir = new TempDirectory();
        LeNetFactory.Create().Save(dir.File("w.safetensors"));

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("w.safetensors"), dir.File("w.bin"));

        code.Should().Be(1);
        Lenet.OneLine(stderr).Should().Contain("name it .pt, .pth, .safetensors or .onnx");
    }

    [Fact]
    public void Convert_MissingInput_ExitsInputNotFound()
    {
        using var dir = new TempDirectory();

        (int code, _, string stderr) = Lenet.Run("convert", dir.File("nope.pt"), dir.File("w.safetensors"));

        code.Should().Be(2);
        Lenet.OneLine(stderr).Should().Be($"lenet convert: weights file '{dir.File("nope.pt")}' not found");
    }

    [Theory]
    [InlineData("convert")]
    [InlineData("convert", "a.pt")]
    [InlineData("convert", "a.pt", "b.pt", "--model", "vgg")]
    public void Convert_BadArguments_ExitsUsage(params string[] args)
    {
        (int code, _, string stderr) = Lenet.Run(args);

        code.Should().Be(1);
        stderr.Should().NotBeEmpty();
    }

    [Fact]
    public void Predict_PtWeights_PrintsTheSameAsTheSafeTensorsWeights()
    {
        using var dir = new TempDirectory();
        LeNetFactory.CreateModern(9).Save(dir.File("w.safetensors"));
        TorchFile.Write(dir.File("w.pt"), LeNetFactory.CreateModern(9).StateDict());
        string image = Path.Combine(Lenet.Digits, "drawn-7.png");

        (int codeSafe, string fromSafe, _) = Lenet.Run("predict", "--weights", dir.File("w.safetensors"), "--model", "modern", image);
        (int codePt, string fromPt, string stderr) = Lenet.Run("predict", "--weights", dir.File("w.pt"), "--model", "modern", image);

        codeSafe.Should().Be(0);
        codePt.Should().Be(0, stderr);
        fromPt.Should().Be(fromSafe);
    }

    [Fact]
    public void Export_PyTorchDataParallelFile_ExplainsThePrefix()
    {
        using var dir = new TempDirectory();
        var prefixed = LeNetFactory.Create(2).StateDict().ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        TorchFile.Write(dir.File("dp.pt"), prefixed);

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("dp.pt"), "--onnx", dir.File("m.onnx"));

        code.Should().Be(3);
        Lenet.OneLine(stderr).Should().Contain("every key starts with 'module.' (a model saved from torch.nn.DataParallel")
            .And.EndWith("(lenet: --strip-prefix module.)");
    }
}
