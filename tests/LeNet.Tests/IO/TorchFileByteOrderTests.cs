using System.IO.Compression;
using LeNet.IO;
using static LeNet.Tests.IO.TorchBytes;

namespace LeNet.Tests.IO;

/// <summary>
/// The zip format's <c>byteorder</c> record (PyTorch writes <c>sys.byteorder</c>): a file saved on a big-endian
/// machine holds its storages in big-endian order and reads as the same tensors; an unknown order is refused.
/// </summary>
public class TorchFileByteOrderTests
{
    /// <summary>Bytes per element of each storage class, from PyTorch's storage types.</summary>
    private static readonly Dictionary<string, int> ElementBytes = new(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = 8,
        ["LongStorage"] = 8,
        ["FloatStorage"] = 4,
        ["IntStorage"] = 4,
        ["HalfStorage"] = 2,
        ["BFloat16Storage"] = 2,
        ["ShortStorage"] = 2,
        ["ByteStorage"] = 1,
        ["CharStorage"] = 1,
        ["BoolStorage"] = 1,
    };

    /// <summary>
    /// What a big-endian machine's torch.save would have written for <paramref name="file"/> (a little-endian zip-format
    /// file): every element of every storage record with its bytes reversed, and a <c>byteorder</c> record of <c>big</c>.
    /// </summary>
    private static byte[] BigEndianCopy(byte[] file)
    {
        var records = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(file)))
        {
            foreach (ZipArchiveEntry entry in zip.Entries)
            {
                using var data = new MemoryStream();
                using (Stream stream = entry.Open())
                {
                    stream.CopyTo(data);
                }

                records.Add((entry.FullName, data.ToArray()));
            }
        }

        string pickleName = records.Single(r => r.Name.EndsWith("/data.pkl", StringComparison.Ordinal)).Name;
        string folder = pickleName[..^"/data.pkl".Length];
        byte[] pickle = records.Single(r => r.Name == pickleName).Data;

        // The storages' element sizes from the pickle's persistent ids ('storage', torch.XStorage, key, location, numel).
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        int position = 0;
        PickleReader.Load(pickle, ref position, pickle.Length, "(test)", id =>
        {
            object?[] t = (object?[])id!;
            string type = ((PickleGlobal)t[1]!).Name, key = (string)t[2]!;
            sizes[key] = ElementBytes[type];
            return new TorchStorage(key, PickleReader.StorageTypes[type], (string)t[3]!, (long)t[4]!);
        });
        sizes.Should().NotBeEmpty();

        var swapped = new List<(string Name, byte[] Data)>();
        foreach ((string name, byte[] data) in records)
        {
            if (name == folder + "/byteorder")
            {
                continue;
            }

            byte[] copy = (byte[])data.Clone();
            if (name.StartsWith(folder + "/data/", StringComparison.Ordinal))
            {
                int size = sizes[name[(folder.Length + "/data/".Length)..]];
                for (int at = 0; at < copy.Length; at += size)
                {
                    Array.Reverse(copy, at, size);
                }
            }

            swapped.Add((name, copy));
        }

        swapped.Add((folder + "/byteorder", "big"u8.ToArray()));
        return Zip(CompressionLevel.NoCompression, [.. swapped]);
    }

    [Theory]
    [InlineData("dtypes.pt")] // float64, float16, bfloat16, int64, int32, uint8, bool, a 0-d tensor: 8-, 4-, 2- and 1-byte elements
    [InlineData("net_zip.pt")] // float32, no byteorder record of its own
    [InlineData("net_cuda.pth")] // its 'little' record replaced
    [InlineData("batchnorm.pt")] // float32 and an int64 num_batches_tracked
    [InlineData("views.pt")] // views at offsets and strides into one storage
    public void Read_BigEndianCopyOfAPyTorchFile_GivesTheSameTensors(string fixture)
    {
        byte[] original = File.ReadAllBytes(TorchFixtures.File(fixture));
        byte[] bigEndian = BigEndianCopy(original);
        IReadOnlyDictionary<string, Tensor> expected = TorchFile.Read(TorchFixtures.File(fixture));

        IReadOnlyDictionary<string, Tensor> actual = TorchFile.Read(new MemoryStream(bigEndian));

        actual.Keys.Should().Equal(expected.Keys);
        foreach ((string key, Tensor tensor) in expected)
        {
            actual[key].Shape.ToArray().Should().Equal(tensor.Shape.ToArray(), key);
            actual[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }
    }

    [Fact]
    public void Read_BigEndianFloats_AreTheValuesNotTheirLittleEndianReading()
    {
        byte[] big = Floats(1, -2.5f, 1e-3f);
        Array.Reverse(big, 0, 4);
        Array.Reverse(big, 4, 4);
        Array.Reverse(big, 8, 4);
        byte[] pickle = TensorPickle("w", "FloatStorage", "0", 3, 0, [3], [1]);
        byte[] file = Zip(CompressionLevel.NoCompression, ("archive/data.pkl", pickle), ("archive/byteorder", "big"u8.ToArray()), ("archive/data/0", big));

        TorchFile.Read(new MemoryStream(file))["w"].ToArray().Should().Equal(1f, -2.5f, 1e-3f);
    }

    [Fact]
    public void Read_LittleByteOrderRecord_ReadsTheBytesAsTheyAre()
    {
        byte[] file = Zip(CompressionLevel.NoCompression, ("archive/byteorder", "little"u8.ToArray()), ("archive/data.pkl", TensorPickle("w", "DoubleStorage", "0", 1, 0, [], [])), ("archive/data/0", BitConverter.GetBytes(0.75)));

        TorchFile.Read(new MemoryStream(file))["w"].ToArray().Should().Equal(0.75f);
    }

    [Theory]
    [InlineData("middle", "'middle'")]
    [InlineData("Little", "'Little'")]
    [InlineData("little\n", "the bytes 6C6974746C650A")]
    [InlineData("", "''")]
    public void Read_UnknownByteOrder_ThrowsInvalidDataNamingTheFileAndTheValue(string order, string shown)
    {
        using var dir = new TempDirectory();
        string path = dir.File("w.pt");
        File.WriteAllBytes(path, Zip(CompressionLevel.NoCompression, ("archive/data.pkl", TensorPickle("w", "FloatStorage", "0", 1, 0, [], [])), ("archive/byteorder", System.Text.Encoding.ASCII.GetBytes(order)), ("archive/data/0", Floats(1))));

        Action act = () => TorchFile.Read(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"Invalid PyTorch file '{path}': its 'archive/byteorder' record is {shown}, expected 'little' or 'big'.");
    }

    [Fact]
    public void Read_OverlongByteOrderRecord_ThrowsInvalidData()
    {
        byte[] file = Zip(CompressionLevel.NoCompression, ("a/data.pkl", TensorPickle("w", "FloatStorage", "0", 1, 0, [], [])), ("a/byteorder", new byte[1000]), ("a/data/0", Floats(1)));

        Action act = () => TorchFile.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*record 'a/byteorder' declares 1000 bytes, more than accepted (64)*");
    }
}
