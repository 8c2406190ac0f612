using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.IO;

/// <summary>Sequential.Load with torch.save files: detection by content, checkpoints, the DataParallel prefix.</summary>
public class TorchFileLoadTests
{
    [Theory]
    [InlineData("net_zip.pt")]
    [InlineData("net_legacy.pt")]
    [InlineData("net_cuda.pth")]
    [InlineData("net_checkpoint.pt")]
    public void Load_PyTorchFile_ReproducesPyTorchsOutput(string file)
    {
        Sequential net = TorchFixtures.Net();

        net.Load(TorchFixtures.File(file));

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Load_NestedOrderedDictSequentials_ReproducesPyTorchsOutput()
    {
        // PyTorch: nn.Sequential(OrderedDict(convnet=nn.Sequential(OrderedDict(c1, relu1, s2)), fc=nn.Sequential(OrderedDict(flat, f6)))).
        var net = new Sequential(
            ("convnet", new Sequential(("c1", new Conv2d(1, 2, 5)), ("relu1", new ReLU()), ("s2", new MaxPool2d(2)))),
            ("fc", new Sequential(("flat", new Flatten()), ("f6", new Linear(2 * 12 * 12, 10)))));
        var io = LeNet.IO.SafeTensors.Read(TorchFixtures.File("nested_io.safetensors"));

        net.Load(TorchFixtures.File("nested.pt"));

        net.StateDict().Keys.Should().Equal("convnet.c1.weight", "convnet.c1.bias", "fc.f6.weight", "fc.f6.bias");
        net.Eval();
        net.Forward(io["input"]).ToArray().Should().BeCloseTo(io["output"].ToArray(), atol: 1e-5);
    }

    [Fact]
    public void Load_TorchFileWithAnotherExtension_IsRecognisedByContent()
    {
        using var dir = new TempDirectory();
        File.Copy(TorchFixtures.File("net_legacy.pt"), dir.File("weights.bin"));
        Sequential net = TorchFixtures.Net();

        net.Load(dir.File("weights.bin"));

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Load_SafeTensorsStillWorks()
    {
        using var dir = new TempDirectory();
        Sequential source = TorchFixtures.Net();
        source.LoadStateDict(LeNet.IO.TorchFile.Read(TorchFixtures.File("net_zip.pt")));
        source.Save(dir.File("net.safetensors"));
        Sequential net = TorchFixtures.Net();

        net.Load(dir.File("net.safetensors"));

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Load_CheckpointThatFitsNothing_SaysWhatTheFileHolds()
    {
        Sequential lenet = LeNetFactory.Create();

        Action act = () => lenet.Load(TorchFixtures.File("net_checkpoint.pt"));

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*holds * dicts of tensors ('model_state_dict' with 8 tensors, *) but none has the model's keys (0.weight, *; the file holds a dict of 'epoch' (int 3), 'model_state_dict' (dict of 8 tensors), 'optimizer_state_dict' (dict of 2 entries), 'loss' (float 0.25).");
    }

    [Fact]
    public void Load_TwoStateDictsThatFit_IsAmbiguousNamingBoth()
    {
        Action act = () => TorchFixtures.Net().Load(TorchFixtures.File("net_two_models.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*2 state dicts that fit the model ('model', 'ema')*ambiguous*");
    }

    [Fact]
    public void Load_DataParallelKeys_SaysSoAndHowToLoadIt()
    {
        Sequential net = TorchFixtures.Net();
        float[] before = net.StateDict()["fc2.bias"].ToArray();

        Action act = () => net.Load(TorchFixtures.File("net_dataparallel.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*every key starts with 'module.' (a model saved from torch.nn.DataParallel*stripPrefix: \"module.\"*model.module.state_dict()*");
        net.StateDict()["fc2.bias"].ToArray().Should().Equal(before, "nothing is loaded on failure");
    }

    [Fact]
    public void Load_DataParallelKeysWithStripPrefix_ReproducesPyTorchsOutput()
    {
        Sequential net = TorchFixtures.Net();

        net.Load(TorchFixtures.File("net_dataparallel.pt"), strict: true, stripPrefix: "module.");

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Load_WholePickledModule_IsRefusedNamingTheClass()
    {
        Action act = () => TorchFixtures.Net().Load(TorchFixtures.File("net_module.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*'__main__.Net'*model.state_dict()*");
    }

    [Fact]
    public void Load_MaliciousPickle_IsRefusedAndNothingRuns()
    {
        if (File.Exists(TorchFixtures.Marker))
        {
            File.Delete(TorchFixtures.Marker);
        }

        Action act = () => TorchFixtures.Net().Load(TorchFixtures.File("evil_system.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*'posix.system'*");
        File.Exists(TorchFixtures.Marker).Should().BeFalse();
    }

    [Theory]
    [InlineData(new byte[] { 0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68 })] // an ONNX model's first bytes
    [InlineData(new byte[] { 0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0 })] // a JPEG
    [InlineData(new byte[] { 1, 2 })]
    [InlineData(new byte[0])]
    public void Load_NeitherFormat_SaysWhichFormatsAreAccepted(byte[] bytes)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("x.pt"), bytes);

        Action act = () => TorchFixtures.Net().Load(dir.File("x.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*'*x.pt' is not a weights file this library reads: it is neither a safetensors file*nor a PyTorch torch.save file (.pt/.pth*");
    }

    [Fact]
    public void Load_StateDictOfAnotherModel_NamesTheKeysThatDoNotFit()
    {
        Action act = () => LeNetFactory.Create().Load(TorchFixtures.File("net_zip.pt"));

        act.Should().Throw<ArgumentException>().WithMessage("*missing key '0.weight'*unexpected key 'conv1.weight'*");
    }

    [Fact]
    public void Load_NotStrictCheckpoint_LoadsTheMatchingKeys()
    {
        // The model lacks fc2: non-strict loading of the checkpoint still finds model_state_dict.
        var partial = new Sequential(("conv1", new Conv2d(1, 4, 5)));

        partial.Load(TorchFixtures.File("net_checkpoint.pt"), strict: false);

        partial.StateDict()["conv1.bias"].ToArray().Should().Equal(LeNet.IO.TorchFile.Read(TorchFixtures.File("net_zip.pt"))["conv1.bias"].ToArray());
    }
}
