using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.Cli;

public class ExportCommandTests
{
    [Fact]
    public void Export_LeNetWeights_WritesTheSameOnnxAsTheLibrary()
    {
        using var dir = new TempDirectory();
        LeNetFactory.Create(3).Save(dir.File("w.safetensors"));

        (int code, string stdout, string stderr) = Lenet.Run("export", "--weights", dir.File("w.safetensors"), "--onnx", dir.File("m.onnx"));

        code.Should().Be(0);
        stderr.Should().BeEmpty();
        stdout.Should().Contain("Exported lenet").And.Contain(dir.File("m.onnx"));
        File.ReadAllBytes(dir.File("m.onnx")).Should().Equal(OnnxExporter.Serialize(LeNetFactory.Create(3), [1, 1, 28, 28]));
    }

    [Fact]
    public void Export_ModernWeights_ExportsTheModernNetwork()
    {
        using var dir = new TempDirectory();
        LeNetFactory.CreateModern(4).Save(dir.File("w.safetensors"));

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("w.safetensors"), "--onnx", dir.File("m.onnx"), "--model", "modern");

        code.Should().Be(0, stderr);
        File.ReadAllBytes(dir.File("m.onnx")).Should().Equal(OnnxExporter.Serialize(LeNetFactory.CreateModern(4), [1, 1, 28, 28]));
    }

    [Fact]
    public void Export_MissingWeights_ExitsInputNotFoundWithOneLine()
    {
        using var dir = new TempDirectory();

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("nope.safetensors"), "--onnx", dir.File("m.onnx"));

        code.Should().Be(2);
        Lenet.OneLine(stderr).Should().Be($"lenet export: weights file '{dir.File("nope.safetensors")}' not found");
        File.Exists(dir.File("m.onnx")).Should().BeFalse();
    }

    [Fact]
    public void Export_CorruptWeights_ExitsInvalidInputNamingTheProblem()
    {
        using var dir = new TempDirectory();
        LeNetFactory.Create().Save(dir.File("w.safetensors"));
        byte[] bytes = File.ReadAllBytes(dir.File("w.safetensors"));
        File.WriteAllBytes(dir.File("w.safetensors"), bytes[..^4]);

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("w.safetensors"), "--onnx", dir.File("m.onnx"));

        code.Should().Be(3);
        Lenet.OneLine(stderr).Should().StartWith($"lenet export: Invalid safetensors file '{dir.File("w.safetensors")}': tensor '11.bias': data_offsets");
        File.Exists(dir.File("m.onnx")).Should().BeFalse();
    }

    [Fact]
    public void Export_WeightsOfAnotherShape_ExitsWeightsMismatchNamingTheKeys()
    {
        using var dir = new TempDirectory();
        new Sequential(new Linear(4, 3)).Save(dir.File("w.safetensors"));

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("w.safetensors"), "--onnx", dir.File("m.onnx"));

        code.Should().Be(4);
        Lenet.OneLine(stderr).Should().Match($"lenet export: the weights in '{dir.File("w.safetensors")}' do not fit the lenet model: *missing keys: '3.weight' [16, 6, 5, 5]*size mismatches: '0.weight' is [3, 4] in the file, [6, 1, 5, 5] in the model*").And.NotContain("(Parameter");
    }

    [Fact]
    public void Export_OutputFolderMissing_ExitsIOFailure()
    {
        using var dir = new TempDirectory();
        LeNetFactory.Create().Save(dir.File("w.safetensors"));

        (int code, _, string stderr) = Lenet.Run("export", "--weights", dir.File("w.safetensors"), "--onnx", dir.File("no/such/folder/m.onnx"));

        code.Should().Be(5);
        Lenet.OneLine(stderr).Should().StartWith($"lenet export: cannot write '{dir.File("no/such/folder/m.onnx")}'");
    }

    [Theory]
    [InlineData("export", "--onnx", "m.onnx")]
    [InlineData("export", "--weights", "w.safetensors")]
    [InlineData("export", "--weights", "w.safetensors", "--onnx", "m.onnx", "--model", "vgg")]
    public void Export_BadArguments_ExitsUsage(params string[] args)
    {
        (int code, _, string stderr) = Lenet.Run(args);

        code.Should().Be(1);
        stderr.Should().NotBeEmpty();
    }
}
