using System.IO.Compression;
using LeNet.IO;
using static LeNet.Tests.IO.TorchBytes;

namespace LeNet.Tests.IO;

/// <summary>Hostile torch.save files at the archive level: zip bombs, storages that lie about their size, views outside their storage.</summary>
public class TorchFileHardeningTests
{
    private static IReadOnlyDictionary<string, Tensor> Read(byte[] file) => TorchFile.Read(new MemoryStream(file));

    private static byte[] OneTensor(long numel, long offset, long[] size, long[] stride, string type = "FloatStorage") =>
        TensorPickle("w", type, "0", numel, offset, size, stride);

    [Fact]
    public void Read_HandMadeFile_IsReadAsTorchWouldRebuildIt()
    {
        // The baseline every case below changes in one place: w = storage[1:].view(2, 2) of [0, 1, 2, 3, 4].
        byte[] file = TorchZip(OneTensor(5, 1, [2, 2], [2, 1]), Floats(0, 1, 2, 3, 4));

        Read(file)["w"].ToArray().Should().Equal(1, 2, 3, 4);
    }

    [Fact]
    public void Read_AnyFolderName_IsAccepted()
    {
        byte[] file = Zip(CompressionLevel.NoCompression, ("my model/data.pkl", OneTensor(1, 0, [], [])), ("my model/data/0", Floats(7)), ("my model/version", "3\n"u8.ToArray()));

        Read(file)["w"].ToArray().Should().Equal(7);
    }

    [Fact]
    public void Read_DeflatedRecords_AreReadToo()
    {
        byte[] file = Zip(CompressionLevel.Optimal, ("a/data.pkl", OneTensor(3, 0, [3], [1])), ("a/data/0", Floats(1, 2, 3)));

        Read(file)["w"].ToArray().Should().Equal(1, 2, 3);
    }

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "record shorter than the storage", TorchZip(OneTensor(5, 0, [5], [1]), Floats(1, 2, 3)), "*storage '0' holds 5 elements of Float32 (20 bytes) by the pickle, but its record has 12 bytes*" },
        { "record longer than the storage", TorchZip(OneTensor(1, 0, [1], [1]), Floats(1, 2)), "*holds 1 elements*but its record has 8 bytes*" },
        { "missing record", TorchZip(OneTensor(1, 0, [1], [1])), "*storage '0' has no record 'archive/data/0'*" },
        { "view beyond the storage", TorchZip(OneTensor(4, 0, [10], [1]), Floats(1, 2, 3, 4)), "*tensor 'w': size [10], stride [1] and offset 0 reach element 9, beyond its storage of 4*" },
        { "offset beyond the storage", TorchZip(OneTensor(4, 4, [1], [1]), Floats(1, 2, 3, 4)), "*reach element 4, beyond its storage of 4*" },
        { "strides overflowing", TorchZip(OneTensor(1, 0, [3, 3], [long.MaxValue / 2, 1]), Floats(1)), "*size or strides overflow*" },
        { "too many elements", TorchZip(OneTensor(1, 0, [1 << 30, 1 << 30], [0, 0]), Floats(1)), "*more than a tensor can hold*" },
        { "expanded view beyond the budget", TorchZip(OneTensor(1, 0, [100_000_000], [0]), Floats(1)), "*tensor 'w' of 100000000 elements takes the tensors beyond*" },
        { "dimension above 2^31", TorchZip(OneTensor(1, 0, [1L << 32], [0]), Floats(1)), "*dimension 0 is 4294967296, above 2^31*" },
        { "negative size", TorchZip(OneTensor(1, 0, [-1], [1]), Floats(1)), "*size[0] is int -1, expected an integer ≥ 0*" },
        { "rank mismatch", TorchZip(OneTensor(1, 0, [1, 1], [1]), Floats(1)), "*size has 2 dimensions but stride has 1*" },
        { "unknown storage type", TorchZip(OneTensor(1, 0, [1], [1], "EvilStorage"), Floats(1)), "*'torch.EvilStorage'*" },
        { "huge declared storage", TorchZip(OneTensor(long.MaxValue, 0, [1], [1]), Floats(1)), "*storage '0' declares 9223372036854775807 elements*" },
        { "no data.pkl", Zip(CompressionLevel.NoCompression, ("archive/other", [1])), "*no '{folder}/data.pkl' record*" },
        { "data.pkl at the root", Zip(CompressionLevel.NoCompression, ("data.pkl", OneTensor(1, 0, [1], [1]))), "*no '{folder}/data.pkl' record*" },
        { "two data.pkl", Zip(CompressionLevel.NoCompression, ("a/data.pkl", [0x2e]), ("b/data.pkl", [0x2e])), "*two data.pkl records*" },
        { "TorchScript archive", Zip(CompressionLevel.NoCompression, ("m/data.pkl", [0x2e]), ("m/code/__torch__.py", [1]), ("m/constants.pkl", [0x2e])), "*TorchScript archive (torch.jit.save)*" },
        { "not a zip after the magic", [0x50, 0x4b, 0x03, 0x04, 1, 2, 3], "*the zip archive is corrupt*" },
        { "not torch at all", [1, 2, 3, 4, 5], "*neither a zip archive*nor a legacy torch.save file*" },
        { "empty", [], "*neither a zip archive*" },
        { "legacy: wrong protocol", Legacy(P(0x80, 2, "N."), []).Select((b, i) => i == 18 ? (byte)0xea : b).ToArray(), "*protocol version is int 1002, expected 1001*" },
        { "legacy: storage count differs", Legacy(TensorPickle("w", "FloatStorage", "k", 2, 0, [2], [1], legacy: true), ["k"], (3, Floats(1, 2, 3))), "*storage 'k' holds 3 elements, but the pickle declares 2*" },
        { "legacy: storage truncated", Legacy(TensorPickle("w", "FloatStorage", "k", 2, 0, [2], [1], legacy: true), ["k"], (2, Floats(1))), "*storage 'k' needs 8 bytes but only 4 are left*" },
        { "legacy: key not used", Legacy(TensorPickle("w", "FloatStorage", "k", 1, 0, [1], [1], legacy: true), ["q"], (1, Floats(1))), "*keys list str 'q', which no tensor uses*" },
        { "legacy: storage never written", Legacy(TensorPickle("w", "FloatStorage", "k", 1, 0, [1], [1], legacy: true), []), "*tensor 'w': its storage 'k' has no data in the file*" },
        { "legacy: file ends before the storages", Legacy(TensorPickle("w", "FloatStorage", "k", 1, 0, [1], [1], legacy: true), ["k"]), "*the file ends before storage 'k'*" },
        { "legacy: wrong magic", [0x80, 0x02, 0x8a, 0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0x2e], "*magic number is wrong*" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedArchive_ThrowsInvalidDataNamingTheProblem(string name, byte[] file, string message)
    {
        Action act = () => Read(file);

        act.Should().Throw<InvalidDataException>(name).WithMessage(message);
    }

    [Fact]
    public void Read_LegacyHandMade_IsReadLikeTorchsLegacyLoader()
    {
        byte[] file = Legacy(TensorPickle("w", "DoubleStorage", "k", 3, 1, [2], [1], legacy: true), ["k"], (3, [.. BitConverter.GetBytes(0.5), .. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(2.5)]));

        Read(file)["w"].ToArray().Should().Equal(1.5f, 2.5f);
    }

    [Fact]
    public void Read_ZipBomb_IsRefusedFromTheDeclaredSizeBeforeInflating()
    {
        // 64 MB of zeros deflate to ~64 KB: far above the budget for a file of that size.
        byte[] zeros = new byte[64 << 20];
        byte[] file = Zip(CompressionLevel.SmallestSize, ("a/data.pkl", zeros));
        file.Length.Should().BeLessThan(1 << 20);

        Action act = () => Read(file);

        act.Should().Throw<InvalidDataException>().WithMessage("*the record 'a/data.pkl' declares 67108864 bytes, more than accepted*");
    }

    [Fact]
    public void Read_RecordThatInflatesBeyondItsDeclaredSize_IsCutAtTheDeclaredSizeAndRefused()
    {
        // A deflated data.pkl whose central-directory size is patched smaller than what it inflates to.
        byte[] pickle = OneTensor(1, 0, [1], [1]);
        byte[] file = Zip(CompressionLevel.Optimal, ("a/data.pkl", pickle), ("a/data/0", Floats(1)));
        PatchUncompressedSize(file, "a/data.pkl", pickle.Length - 10);

        Action act = () => Read(file);

        // Only the declared bytes are ever taken (the reader asks for one more and .NET's zip stream stops at the
        // declared size), so the pickle is cut short and refused.
        act.Should().Throw<InvalidDataException>().WithMessage("Invalid PyTorch file (stream): *");
    }

    /// <summary>Rewrites the uncompressed size of <paramref name="name"/> in both its local header and its central directory record.</summary>
    private static void PatchUncompressedSize(byte[] file, string name, int size)
    {
        byte[] nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        for (int i = 0; i + 4 < file.Length; i++)
        {
            bool local = file[i] == 0x50 && file[i + 1] == 0x4b && file[i + 2] == 3 && file[i + 3] == 4;
            bool central = file[i] == 0x50 && file[i + 1] == 0x4b && file[i + 2] == 1 && file[i + 3] == 2;
            int nameAt = local ? i + 30 : i + 46;
            if ((local || central) && file.AsSpan(nameAt).StartsWith(nameBytes))
            {
                BitConverter.GetBytes(size).CopyTo(file, local ? i + 22 : i + 24);
            }
        }
    }
}
