using LeNet.Cli;
using LeNet.IO;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Tests.IO;

namespace LeNet.Tests.Cli;

/// <summary>
/// <c>--strip-prefix PREFIX</c> of evaluate, predict, export and convert: the weights of a model saved from
/// <c>torch.nn.DataParallel</c> (every key starting with <c>module.</c>) load once the prefix is removed, and
/// without the option the error says which option to give.
/// </summary>
public sealed class StripPrefixTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public StripPrefixTests()
    {
        // nn.DataParallel(net).state_dict() of the lenet network: the same tensors under module.0.weight, ….
        var prefixed = LeNetFactory.Create(2).StateDict().ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        TorchFile.Write(_dir.File("dp.pt"), prefixed);
        SafeTensors.Write(_dir.File("dp.safetensors"), prefixed);
        LeNetFactory.Create(2).Save(_dir.File("plain.safetensors"));
    }

    private static string Image => Path.Combine(Lenet.Digits, "drawn-7.png");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("dp.pt")]
    [InlineData("dp.safetensors")]
    public void Predict_DataParallelWeightsWithStripPrefix_PrintsTheSameAsThePlainWeights(string file)
    {
        (_, string expected, _) = Lenet.Run("predict", "--weights", _dir.File("plain.safetensors"), "--json", Image);

        (int code, string stdout, string stderr) = Lenet.Run("predict", "--weights", _dir.File(file), "--strip-prefix", "module.", "--json", Image);

        code.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        stdout.Should().Be(expected);
    }

    [Fact]
    public void Evaluate_DataParallelWeightsWithStripPrefix_PrintsTheSameAsThePlainWeights()
    {
        (_, string expected, _) = Lenet.Run("evaluate", "--weights", _dir.File("plain.safetensors"), "--data", MnistTests.Subset);

        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--weights", _dir.File("dp.pt"), "--strip-prefix", "module.", "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        stdout.Replace(_dir.File("dp.pt"), "W", StringComparison.Ordinal).Should().Be(expected.Replace(_dir.File("plain.safetensors"), "W", StringComparison.Ordinal));
    }

    [Fact]
    public void Export_DataParallelWeightsWithStripPrefix_WritesTheSameOnnxAsThePlainNetwork()
    {
        (int code, _, string stderr) = Lenet.Run("export", "--weights", _dir.File("dp.pt"), "--strip-prefix", "module.", "--onnx", _dir.File("m.onnx"));

        code.Should().Be(0, stderr);
        File.ReadAllBytes(_dir.File("m.onnx")).Should().Equal(OnnxExporter.Serialize(LeNetFactory.Create(2), [1, 1, 28, 28]));
    }

    [Theory]
    [InlineData("dp.pt", "w.safetensors")]
    [InlineData("dp.safetensors", "w.pt")]
    public void Convert_DataParallelWeightsWithStripPrefix_WritesTheKeysWithoutThePrefix(string input, string output)
    {
        (int code, _, string stderr) = Lenet.Run("convert", _dir.File(input), _dir.File(output), "--strip-prefix", "module.");

        code.Should().Be(0, stderr);
        IReadOnlyDictionary<string, Tensor> written = output.EndsWith(".pt", StringComparison.Ordinal) ? TorchFile.Read(_dir.File(output)) : SafeTensors.Read(_dir.File(output));
        IReadOnlyDictionary<string, Tensor> expected = LeNetFactory.Create(2).StateDict();
        written.Keys.Should().Equal(expected.Keys);
        foreach ((string key, Tensor tensor) in expected)
        {
            written[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }
    }

    [Theory]
    [InlineData("predict", "dp.pt")]
    [InlineData("predict", "dp.safetensors")]
    [InlineData("evaluate", "dp.pt")]
    [InlineData("export", "dp.safetensors")]
    [InlineData("convert", "dp.pt")]
    public void Command_DataParallelWeightsWithoutStripPrefix_ErrorNamesTheOption(string command, string file)
    {
        string[] args = command switch
        {
            "predict" => ["predict", "--weights", _dir.File(file), Image],
            "evaluate" => ["evaluate", "--weights", _dir.File(file), "--data", MnistTests.Subset],
            "export" => ["export", "--weights", _dir.File(file), "--onnx", _dir.File("m.onnx")],
            _ => ["convert", _dir.File(file), _dir.File("w.safetensors")],
        };

        (int code, _, string stderr) = Lenet.Run(args);

        code.Should().Be(ExitCodes.InvalidInput);
        Lenet.OneLine(stderr).Should().StartWith($"lenet {command}: '{_dir.File(file)}': every key starts with 'module.' (a model saved from torch.nn.DataParallel")
            .And.EndWith("(lenet: --strip-prefix module.)");
    }

    [Fact]
    public void Convert_PyTorchsDataParallelFileWithStripPrefix_ComparesTheUnprefixedKeys()
    {
        // Real PyTorch's nn.DataParallel(Net()).state_dict(): Net's keys (conv1.weight, …) are not the lenet network's,
        // so it never loads; what the mismatch lists shows whether the prefix was removed.
        string file = TorchFixtures.File("net_dataparallel.pt");

        (int plainCode, _, string plain) = Lenet.Run("convert", file, _dir.File("w.safetensors"));
        (int code, _, string stderr) = Lenet.Run("convert", file, _dir.File("w.safetensors"), "--strip-prefix", "module.");

        plainCode.Should().Be(ExitCodes.WeightsMismatch);
        Lenet.OneLine(plain).Should().Match("*unexpected key*'module.conv1.weight'*");
        code.Should().Be(ExitCodes.WeightsMismatch);
        Lenet.OneLine(stderr).Should().Match("lenet convert: the weights in '*net_dataparallel.pt' do not fit the lenet model: *missing keys: '0.weight'*unexpected keys: 'conv1.weight'*")
            .And.NotContain("module.");
        File.Exists(_dir.File("w.safetensors")).Should().BeFalse();
    }

    [Fact]
    public void Predict_StripPrefixWithOnnx_ExitsUsage()
    {
        OnnxExporter.Export(LeNetFactory.Create(2), _dir.File("m.onnx"), 1, 1, 28, 28);

        (int code, _, string stderr) = Lenet.Run("predict", "--onnx", _dir.File("m.onnx"), "--strip-prefix", "module.", Image);

        code.Should().Be(ExitCodes.Usage);
        Lenet.OneLine(stderr).Should().StartWith("lenet predict: --strip-prefix applies to --weights");
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("predict")]
    [InlineData("export")]
    [InlineData("convert")]
    public void Help_CommandsThatLoadWeights_ListStripPrefix(string command)
    {
        (int code, string stdout, _) = Lenet.Run(command, "--help");

        code.Should().Be(0);
        stdout.Should().Contain("--strip-prefix <PREFIX>").And.Contain("torch.nn.DataParallel");
    }
}
