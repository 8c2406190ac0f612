using LeNet.IO;

namespace LeNet.Tests.IO;

/// <summary>TorchFile.Read against files made by real PyTorch 1.13 (Golden/torch/make_torch_files.py).</summary>
public class TorchFileReadTests
{
    private static readonly string[] NetKeys = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

    [Theory]
    [InlineData("net_zip.pt")]
    [InlineData("net_legacy.pt")]
    [InlineData("net_cuda.pth")]
    public void Read_NetStateDict_HasPyTorchsKeysAndShapesInOrder(string file)
    {
        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File(file));

        state.Keys.Should().Equal(NetKeys);
        state["conv1.weight"].Shape.ToArray().Should().Equal(4, 1, 5, 5);
        state["fc1.weight"].Shape.ToArray().Should().Equal(16, 128);
        state["fc2.bias"].Shape.ToArray().Should().Equal(10);
    }

    [Theory]
    [InlineData("net_legacy.pt")]
    [InlineData("net_cuda.pth")]
    public void Read_OtherFormatsOfTheSameStateDict_GiveTheSameValuesAsTheZipFormat(string file)
    {
        IReadOnlyDictionary<string, Tensor> zip = TorchFile.Read(TorchFixtures.File("net_zip.pt"));

        IReadOnlyDictionary<string, Tensor> other = TorchFile.Read(TorchFixtures.File(file));

        foreach (string key in NetKeys)
        {
            other[key].ToArray().Should().Equal(zip[key].ToArray(), key);
        }
    }

    [Theory]
    [InlineData("net_zip.pt")]
    [InlineData("net_legacy.pt")]
    [InlineData("net_cuda.pth")]
    public void Read_NetStateDict_LoadedIntoTheNamedSequentialReproducesPyTorch(string file)
    {
        var net = TorchFixtures.Net();

        net.LoadStateDict(TorchFile.Read(TorchFixtures.File(file)));

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Read_FromANonSeekableStream_GivesTheSameTensors()
    {
        byte[] bytes = File.ReadAllBytes(TorchFixtures.File("net_zip.pt"));

        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(new NonSeekableStream(bytes));

        state["fc2.weight"].ToArray().Should().Equal(TorchFile.Read(TorchFixtures.File("net_zip.pt"))["fc2.weight"].ToArray());
    }

    [Fact]
    public void Read_Dtypes_ConvertsEachToFloat32AsPyTorchsFloat()
    {
        // f64, f16, bf16, i64, i32, u8, bool and a 0-d scalar; expected: PyTorch's own .float() of each.
        var expected = SafeTensors.Read(TorchFixtures.File("dtypes_expected.safetensors"));

        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File("dtypes.pt"));

        state.Keys.Should().Equal("f64", "f16", "bf16", "i64", "i32", "u8", "b", "scalar");
        foreach ((string key, Tensor tensor) in state)
        {
            tensor.Shape.ToArray().Should().Equal(expected[key].Shape.ToArray(), key);
            tensor.ToArray().Should().Equal(expected[key].ToArray(), key);
        }

        state["scalar"].Rank.Should().Be(0);
        state["i64"].ToArray().Should().Equal(-3f, 0f, 16777216f, 42f);
    }

    [Fact]
    public void Read_BatchNormStateDict_IncludesRunningStatsAndTheInt64Counter()
    {
        var expected = SafeTensors.Read(TorchFixtures.File("batchnorm_expected.safetensors"));

        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File("batchnorm.pt"));

        state.Keys.Should().Equal("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked");
        state["1.num_batches_tracked"].ToArray().Should().Equal(2f);
        state["1.num_batches_tracked"].Rank.Should().Be(0);
        foreach ((string key, Tensor tensor) in state)
        {
            tensor.ToArray().Should().Equal(expected[key].ToArray(), key);
        }
    }

    [Theory]
    [InlineData("views.pt")]
    [InlineData("views_legacy.pt")]
    public void Read_ViewsOfOneStorage_GathersEachViewAsPyTorchsContiguous(string file)
    {
        // base [4, 6]; block = base[1:3, 2:5]; transposed = base.t(); column = base[:, 3]; row2 = base[2] (offset 12); strided = base[::2, ::3].
        var expected = SafeTensors.Read(TorchFixtures.File("views_expected.safetensors"));

        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File(file));

        state.Keys.Should().Equal("base", "block", "transposed", "column", "row2", "strided");
        foreach ((string key, Tensor tensor) in state)
        {
            tensor.Shape.ToArray().Should().Equal(expected[key].Shape.ToArray(), key);
            tensor.ToArray().Should().Equal(expected[key].ToArray(), key);
        }

        // Hand-worked: base[i, j] = (6i + j) / 8.
        state["block"].ToArray().Should().Equal(8 / 8f, 9 / 8f, 10 / 8f, 14 / 8f, 15 / 8f, 16 / 8f);
        state["transposed"][5, 3].Should().Be(23 / 8f);
    }

    [Theory]
    [InlineData("views.pt")]
    [InlineData("views_legacy.pt")]
    public void Read_ViewsOfOneStorage_EachTensorOwnsItsValues(string file)
    {
        // "base" keeps the storage's floats as read (it is the whole storage, dense); the views are copies of them.
        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File(file));
        float[] row2 = state["row2"].ToArray(), block = state["block"].ToArray();

        state["base"].AsSpan().Fill(-1f);

        state["row2"].ToArray().Should().Equal(row2);
        state["block"].ToArray().Should().Equal(block);
        state["row2"].ToArray().Should().Equal(12 / 8f, 13 / 8f, 14 / 8f, 15 / 8f, 16 / 8f, 17 / 8f);
    }

    [Fact]
    public void Read_Checkpoint_NamesNestedTensorsByDottedPath()
    {
        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(TorchFixtures.File("net_checkpoint.pt"));

        state.Keys.Should().Contain(NetKeys.Select(k => "model_state_dict." + k));
        state.Keys.Should().Contain(["optimizer_state_dict.state.0.exp_avg", "optimizer_state_dict.state.0.exp_avg_sq", "optimizer_state_dict.state.7.exp_avg"]);
        state.Keys.Should().NotContain(k => k.StartsWith("epoch", StringComparison.Ordinal) || k.StartsWith("loss", StringComparison.Ordinal));
        state["optimizer_state_dict.state.0.exp_avg"].Shape.ToArray().Should().Equal(4, 1, 5, 5);
    }

    [Fact]
    public void ReadObject_Checkpoint_KeepsTheTreeWithItsScalars()
    {
        var root = (PickleDict)TorchFile.ReadObject(TorchFixtures.File("net_checkpoint.pt"))!;

        root.Items.Select(i => i.Key).Should().Equal("epoch", "model_state_dict", "optimizer_state_dict", "loss");
        root.Get("epoch").Should().Be(3L);
        root.Get("loss").Should().Be(0.25);
        var groups = (List<object?>)((PickleDict)root.Get("optimizer_state_dict")!).Get("param_groups")!;
        ((PickleDict)groups[0]!).Get("lr").Should().Be(1e-3);
        ((PickleDict)groups[0]!).Get("betas").Should().BeEquivalentTo(new object[] { 0.9, 0.999 });
    }

    [Fact]
    public void Read_Int64ThatFloat32CannotHold_ThrowsNamingTheKeyAndValue()
    {
        Action act = () => TorchFile.Read(TorchFixtures.File("int_inexact.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*tensor 'big' (Int64) holds 1099511627777, which float32 cannot represent exactly*");
    }

    [Theory]
    [InlineData("evil_system.pt", "posix.system")]
    [InlineData("evil_system_legacy.pt", "posix.system")]
    [InlineData("evil_eval.pt", "__builtin__.eval")] // protocol 2 writes builtins under their Python 2 name
    public void Read_PickleThatWouldRunAShellCommand_IsRefusedNamingTheGlobalAndNothingRuns(string file, string global)
    {
        if (File.Exists(TorchFixtures.Marker))
        {
            File.Delete(TorchFixtures.Marker);
        }

        Action act = () => TorchFile.Read(TorchFixtures.File(file));

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{TorchFixtures.File(file)}'*refused the Python global '{global}'*");
        File.Exists(TorchFixtures.Marker).Should().BeFalse("the payload must never run");
    }

    [Fact]
    public void Read_WholePickledModule_IsRefusedNamingTheClassAndTheFix()
    {
        Action act = () => TorchFile.Read(TorchFixtures.File("net_module.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*pickled class '__main__.Net'*torch.save(model.state_dict(), path)*");
    }

    [Fact]
    public void Read_NotATorchFile_ThrowsSayingWhatItExpects()
    {
        Action act = () => TorchFile.Read(TorchFixtures.File("net_io.safetensors"));

        act.Should().Throw<InvalidDataException>().WithMessage("*neither a zip archive (PyTorch ≥ 1.6) nor a legacy torch.save file*");
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        Action act = () => TorchFile.Read(TorchFixtures.File("nope.pt"));

        act.Should().Throw<FileNotFoundException>();
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
