using System.IO.Compression;
using System.Text;
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
    public void Write_KnownStateDict_StoresTorchSavesRecordsByteForByte()
    {
        // known_by_torch.pt is torch.save of the same state dict, made by PyTorch 1.13.1 in make_torch_files.py
        // (save_known): every record torch writes (the tensors' storages data/0…4 in the dict's order, version) must be
        // in our archive with the same bytes. data.pkl (pickle opcodes may differ, read back below and by
        // torch.load through written_by_lenet.pt) and our extra byteorder record ("little", which torch ≥ 2.1 writes)
        // are not compared byte for byte.
        using var dir = new TempDirectory();
        TorchFile.Write(dir.File("w.pt"), Known());
        if (Environment.GetEnvironmentVariable("LENET_REGENERATE") == "1")
        {
            // For make_torch_files.py's torch.load check of our writer (it reads written_by_lenet.pt); no test compares with it.
            string source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", "torch", "written_by_lenet.pt");
            File.Copy(dir.File("w.pt"), source, overwrite: true);
        }

        Dictionary<string, byte[]> ours = Records(dir.File("w.pt")), torch = Records(TorchFixtures.File("known_by_torch.pt"));
        torch.Keys.Should().BeEquivalentTo(["data.pkl", "data/0", "data/1", "data/2", "data/3", "data/4", "version"]);
        foreach ((string name, byte[] bytes) in torch.Where(r => r.Key != "data.pkl"))
        {
            ours.Should().ContainKey(name);
            ours[name].Should().Equal(bytes, $"record {name}");
        }

        ours.Keys.Except(torch.Keys).Should().BeEquivalentTo(["byteorder"]);
        Encoding.ASCII.GetString(ours["byteorder"]).Should().Be("little");
        TorchFile.Read(TorchFixtures.File("known_by_torch.pt")).Keys.Should().Equal(TorchFile.Read(dir.File("w.pt")).Keys);

        // The records of a torch zip file, by name below the archive's top folder.
        static Dictionary<string, byte[]> Records(string path)
        {
            using ZipArchive zip = ZipFile.OpenRead(path);
            return zip.Entries.ToDictionary(e => e.FullName[(e.FullName.IndexOf('/', StringComparison.Ordinal) + 1)..], e =>
            {
                using Stream stream = e.Open();
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            });
        }
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
