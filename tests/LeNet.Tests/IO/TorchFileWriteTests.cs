using System.IO.Compression;
using LeNet.IO;

namespace LeNet.Tests.IO;

/// <summary>TorchFile.Write: the zip format torch.load reads (checked with real PyTorch through written_by_lenet.pt).</summary>
public class TorchFileWriteTests
{
    /// <summary>The state dict of written_by_lenet.pt: element i of each float tensor is (i + 1) / 8 − 1, exact in float32; the counter is 12345.</summary>
    private static OrderedDictionary<string, Tensor> Known()
    {
        static Tensor Ramp(params int[] shape)
        {
            var t = new Tensor(shape);
            Span<float> values = t.AsSpan();
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = ((i + 1) / 8f) - 1;
            }

            return t;
        }

        return new(StringComparer.Ordinal)
        {
            ["conv1.weight"] = Ramp(2, 1, 3, 3),
            ["conv1.bias"] = Ramp(2),
            ["fc.weight"] = Ramp(3, 4),
            ["bn.num_batches_tracked"] = Tensor.FromArray([12345f]),
            ["empty"] = Ramp(0, 3),
        };
    }

    [Fact]
    public void Write_KnownStateDict_IsByteForByteTheFilePyTorchVerified()
    {
        // written_by_lenet.pt was written by this code and then read by PyTorch's torch.load(weights_only=True)
        // in make_torch_files.py, which checks every value (see Golden/torch/README.md). Regenerate with
        // LENET_REGENERATE=1 after a deliberate change to the writer, then rerun the script.
        using var dir = new TempDirectory();
        TorchFile.Write(dir.File("w.pt"), Known());
        if (Environment.GetEnvironmentVariable("LENET_REGENERATE") == "1")
        {
            string source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", "torch", "written_by_lenet.pt");
            File.Copy(dir.File("w.pt"), source, overwrite: true);
        }

        File.ReadAllBytes(dir.File("w.pt")).Should().Equal(File.ReadAllBytes(TorchFixtures.File("written_by_lenet.pt")));
    }

    [Fact]
    public void Write_ThenRead_GivesTheSameTensors()
    {
        using var dir = new TempDirectory();
        OrderedDictionary<string, Tensor> known = Known();

        TorchFile.Write(dir.File("w.pt"), known);
        IReadOnlyDictionary<string, Tensor> back = TorchFile.Read(dir.File("w.pt"));

        back.Keys.Should().Equal(known.Keys);
        foreach ((string key, Tensor tensor) in known)
        {
            back[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }

        back["conv1.weight"].Shape.ToArray().Should().Equal(2, 1, 3, 3);
        back["empty"].Shape.ToArray().Should().Equal(0, 3);
        back["bn.num_batches_tracked"].Rank.Should().Be(0, "PyTorch keeps the counter as a 0-d int64 tensor");
    }

    [Fact]
    public void Write_Archive_HasTorchsRecords()
    {
        using var dir = new TempDirectory();

        TorchFile.Write(dir.File("w.pt"), Known());

        using ZipArchive zip = ZipFile.OpenRead(dir.File("w.pt"));
        zip.Entries.Select(e => e.FullName).Should().Equal(
            "archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/data/1", "archive/data/2", "archive/data/3", "archive/data/4", "archive/version");
        zip.GetEntry("archive/data/0")!.Length.Should().Be(18 * sizeof(float));
        zip.GetEntry("archive/data/3")!.Length.Should().Be(sizeof(long), "num_batches_tracked is int64");
        using var version = new StreamReader(zip.GetEntry("archive/version")!.Open());
        version.ReadToEnd().Should().Be("3\n");
        File.ReadAllBytes(dir.File("w.pt")).AsSpan(0, 4).ToArray().Should().Equal((byte)'P', (byte)'K', 3, 4);
    }

    [Fact]
    public void Write_ModelStateDict_LoadsBackIntoTheModel()
    {
        using var dir = new TempDirectory();
        var source = TorchFixtures.Net();
        source.LoadStateDict(TorchFile.Read(TorchFixtures.File("net_zip.pt")));

        TorchFile.Write(dir.File("net.pth"), source.StateDict());
        var net = TorchFixtures.Net();
        net.Load(dir.File("net.pth"));

        TorchFixtures.ShouldReproducePyTorch(net);
    }

    [Fact]
    public void Write_FractionalCounter_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDirectory();
        var state = new Dictionary<string, Tensor> { ["bn.num_batches_tracked"] = Tensor.FromArray([1.5f]) };

        Action act = () => TorchFile.Write(dir.File("w.pt"), state);

        act.Should().Throw<ArgumentException>().WithMessage("*'bn.num_batches_tracked' is written as int64*holds 1.5*");
        File.Exists(dir.File("w.pt")).Should().BeFalse();
    }

    [Fact]
    public void Write_NullTensor_ThrowsNamingIt()
    {
        Action act = () => TorchFile.Write(new MemoryStream(), new Dictionary<string, Tensor> { ["w"] = null! });

        act.Should().Throw<ArgumentException>().WithMessage("*tensor 'w' is null*");
    }
}
