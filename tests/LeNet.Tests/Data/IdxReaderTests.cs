using LeNet.Data;

namespace LeNet.Tests.Data;

public class IdxReaderTests
{
    /// <summary>An IDX file written byte by byte: 00 00 type rank, each dimension big-endian, then the data as given.</summary>
    internal static byte[] Idx(byte type, uint[] dims, params byte[] data)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (uint d in dims)
        {
            bytes.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        }

        bytes.AddRange(data);
        return [.. bytes];
    }

    private static IdxArray Read(byte[] file) => IdxReader.Read(new MemoryStream(file), "test.idx");

    private static Action Reading(byte[] file, string name = "test.idx") => () => IdxReader.Read(new MemoryStream(file), name);

    [Fact]
    public void Read_UnsignedBytes_GivesShapeAndValuesInRowMajorOrder()
    {
        IdxArray idx = Read(Idx(0x08, [2, 3], 0, 1, 2, 253, 254, 255));

        idx.DataType.Should().Be(IdxDataType.UInt8);
        idx.Shape.ToArray().Should().Equal(2, 3);
        idx.Rank.Should().Be(2);
        idx.Length.Should().Be(6);
        idx.AsSpan<byte>().ToArray().Should().Equal(0, 1, 2, 253, 254, 255);
        idx.ToString().Should().Be("IdxArray(ubyte)[2, 3]");
    }

    [Fact]
    public void Read_SignedBytes_AreTwosComplement()
    {
        IdxArray idx = Read(Idx(0x09, [4], 0x80, 0xFF, 0x00, 0x7F));

        idx.DataType.Should().Be(IdxDataType.Int8);
        idx.AsSpan<sbyte>().ToArray().Should().Equal(-128, -1, 0, 127);
    }

    [Fact]
    public void Read_Shorts_AreBigEndian()
    {
        IdxArray idx = Read(Idx(0x0B, [3], 0x12, 0x34, 0xFF, 0xFE, 0x80, 0x00));

        idx.DataType.Should().Be(IdxDataType.Int16);
        idx.AsSpan<short>().ToArray().Should().Equal(0x1234, -2, short.MinValue);
    }

    [Fact]
    public void Read_Ints_AreBigEndian()
    {
        IdxArray idx = Read(Idx(0x0C, [1, 3], 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF));

        idx.DataType.Should().Be(IdxDataType.Int32);
        idx.Shape.ToArray().Should().Equal(1, 3);
        idx.AsSpan<int>().ToArray().Should().Equal(0x01020304, -1, int.MaxValue);
    }

    [Fact]
    public void Read_Floats_AreBigEndianIeee754()
    {
        // 1.0f = 3F800000, -2.5f = C0200000, +inf = 7F800000 (IEEE 754 single).
        IdxArray idx = Read(Idx(0x0D, [3], 0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0, 0x7F, 0x80, 0, 0));

        idx.DataType.Should().Be(IdxDataType.Float32);
        idx.AsSpan<float>().ToArray().Should().Equal(1f, -2.5f, float.PositiveInfinity);
    }

    [Fact]
    public void Read_Doubles_AreBigEndianIeee754()
    {
        // 1.0 = 3FF0000000000000, -0.5 = BFE0000000000000 (IEEE 754 double).
        IdxArray idx = Read(Idx(0x0E, [2], 0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xBF, 0xE0, 0, 0, 0, 0, 0, 0));

        idx.DataType.Should().Be(IdxDataType.Float64);
        idx.AsSpan<double>().ToArray().Should().Equal(1.0, -0.5);
    }

    [Fact]
    public void Read_FourDimensions_KeepsTheShape()
    {
        byte[] data = Enumerable.Range(0, 2 * 1 * 3 * 2).Select(i => (byte)i).ToArray();

        IdxArray idx = Read(Idx(0x08, [2, 1, 3, 2], data));

        idx.Shape.ToArray().Should().Equal(2, 1, 3, 2);
        idx.AsSpan<byte>().ToArray().Should().Equal(data);
    }

    [Fact]
    public void Read_ZeroSizedDimension_IsAnEmptyArray()
    {
        IdxArray idx = Read(Idx(0x0C, [0, 28, 28]));

        idx.Shape.ToArray().Should().Equal(0, 28, 28);
        idx.Length.Should().Be(0);
    }

    [Fact]
    public void Read_ZeroDimensionBeforeAHugeOne_IsEmptyNotTooLarge()
    {
        IdxArray idx = Read(Idx(0x08, [0, 0x7FFF_FFFF, 0x7FFF_FFFF]));

        idx.Length.Should().Be(0);
    }

    [Fact]
    public void ToTensor_ConvertsEachTypeValueForValue()
    {
        Read(Idx(0x08, [1, 2], 0, 255)).ToTensor().ToArray().Should().Equal(0f, 255f);
        Read(Idx(0x08, [1, 2], 0, 255)).ToTensor().Shape.ToArray().Should().Equal(1, 2);
        Read(Idx(0x09, [2], 0x80, 0x7F)).ToTensor().ToArray().Should().Equal(-128f, 127f);
        Read(Idx(0x0B, [1], 0xFF, 0xFE)).ToTensor().ToArray().Should().Equal(-2f);
        Read(Idx(0x0C, [1], 0, 0, 0x01, 0x00)).ToTensor().ToArray().Should().Equal(256f);
        Read(Idx(0x0D, [1], 0xC0, 0x20, 0, 0)).ToTensor().ToArray().Should().Equal(-2.5f);
        Read(Idx(0x0E, [1], 0xBF, 0xE0, 0, 0, 0, 0, 0, 0)).ToTensor().ToArray().Should().Equal(-0.5f);
    }

    [Fact]
    public void AsSpan_WrongType_ThrowsNamingTheRightOne()
    {
        IdxArray idx = Read(Idx(0x0B, [1], 0, 1));

        Action act = () => idx.AsSpan<byte>();

        act.Should().Throw<InvalidOperationException>().WithMessage("*short*AsSpan<short>()*");
    }

    [Fact]
    public void AsSpan_ByteAndSbyte_AreNotInterchangeable()
    {
        // The runtime lets an sbyte[] pass for a byte[]; the reader must not.
        Action bytesAsSigned = () => Read(Idx(0x08, [1], 0x80)).AsSpan<sbyte>();
        Action signedAsBytes = () => Read(Idx(0x09, [1], 0x80)).AsSpan<byte>();

        bytesAsSigned.Should().Throw<InvalidOperationException>().WithMessage("*ubyte*AsSpan<byte>()*");
        signedAsBytes.Should().Throw<InvalidOperationException>().WithMessage("*sbyte*AsSpan<sbyte>()*");
    }

    [Fact]
    public void Read_Gzipped_GivesTheSameArray()
    {
        byte[] raw = Idx(0x0C, [2, 2], 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0x80, 0, 0, 0);

        IdxArray idx = Read(TestStreams.Gzip(raw));

        idx.Shape.ToArray().Should().Equal(2, 2);
        idx.AsSpan<int>().ToArray().Should().Equal(1, 2, 3, int.MinValue);
    }

    [Fact]
    public void Read_NonSeekableRawAndGzipped_GiveTheSameArray()
    {
        byte[] raw = Idx(0x08, [3, 2], 1, 2, 3, 4, 5, 6);

        IdxReader.Read(TestStreams.NonSeekable(raw), "pipe").AsSpan<byte>().ToArray().Should().Equal(1, 2, 3, 4, 5, 6);
        IdxReader.Read(TestStreams.NonSeekable(TestStreams.Gzip(raw)), "pipe.gz").AsSpan<byte>().ToArray().Should().Equal(1, 2, 3, 4, 5, 6);
    }

    [Fact]
    public void Read_DataLargerThanOneChunk_ReadsAllOfIt()
    {
        // 3 MiB of ints: more than the 1 MiB read chunk and the 64 KiB first buffer of a stream of unknown length.
        int count = 3 << 18;
        byte[] data = new byte[count * 4];
        for (int i = 0; i < count; i++)
        {
            data[(4 * i) + 2] = (byte)(i >> 8);
            data[(4 * i) + 3] = (byte)i;
        }

        byte[] raw = Idx(0x0C, [(uint)count], data);

        foreach (Stream stream in new[] { new MemoryStream(raw), TestStreams.NonSeekable(TestStreams.Gzip(raw)) })
        {
            int[] values = IdxReader.Read(stream, "big").AsSpan<int>().ToArray();
            values.Should().HaveCount(count);
            values[0].Should().Be(0);
            values[count - 1].Should().Be((count - 1) & 0xFFFF);
        }
    }

    [Fact]
    public void Read_Files_DetectsGzipByContentNotByName()
    {
        using var folder = new TempFolder();
        byte[] raw = Idx(0x08, [2], 7, 9);
        File.WriteAllBytes(folder.File("compressed-but-no-extension"), TestStreams.Gzip(raw));
        File.WriteAllBytes(folder.File("plain-but-named.gz"), raw);

        IdxReader.Read(folder.File("compressed-but-no-extension")).AsSpan<byte>().ToArray().Should().Equal(7, 9);
        IdxReader.Read(folder.File("plain-but-named.gz")).AsSpan<byte>().ToArray().Should().Equal(7, 9);
    }

    [Fact]
    public void Read_MissingFile_ThrowsFileNotFound()
    {
        using var folder = new TempFolder();

        Action act = () => IdxReader.Read(folder.File("nope"));

        act.Should().Throw<FileNotFoundException>();
    }

    [Fact]
    public void Read_EmptyFile_SaysSo()
    {
        Reading([], "empty.idx").Should().Throw<InvalidDataException>().WithMessage("empty.idx: not a valid IDX file: the file is empty*");
    }

    [Fact]
    public void Read_ShorterThanTheMagicNumber_SaysWhereItEnds()
    {
        Reading([0, 0, 8]).Should().Throw<InvalidDataException>().WithMessage("test.idx:*ends after 3 bytes*magic number*");
    }

    [Theory]
    [InlineData(new byte[] { 0x01, 0x00, 0x08, 0x01 }, "0x01000801")]
    [InlineData(new byte[] { 0x00, 0x01, 0x08, 0x01 }, "0x00010801")]
    [InlineData(new byte[] { 0x1F, 0x8C, 0x08, 0x01 }, "0x1F8C0801")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04 }, "0x504B0304")]
    public void Read_BadMagic_NamesTheMagicAndTheExpectedForm(byte[] magic, string shown)
    {
        byte[] file = [.. magic, 0, 0, 0, 1, 42];

        Reading(file).Should().Throw<InvalidDataException>()
            .WithMessage($"test.idx: not a valid IDX file: bad magic number {shown}: expected two zero bytes*0x00000803*");
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x07)]
    [InlineData(0x0A)]
    [InlineData(0x0F)]
    [InlineData(0xFF)]
    public void Read_UnknownTypeCode_ListsTheKnownOnes(byte type)
    {
        Reading(Idx(type, [1], 0)).Should().Throw<InvalidDataException>()
            .WithMessage($"test.idx:*unknown data type code 0x{type:X2}*0x08 (ubyte)*0x0E (double)*");
    }

    [Fact]
    public void Read_ZeroDimensions_IsRejected()
    {
        Reading([0, 0, 8, 0, 42]).Should().Throw<InvalidDataException>().WithMessage("test.idx:*declares 0 dimensions; expected 1 to 32*");
    }

    [Fact]
    public void Read_TooManyDimensions_IsRejected()
    {
        byte[] file = Idx(0x08, Enumerable.Repeat(1u, 33).ToArray(), 5);

        Reading(file).Should().Throw<InvalidDataException>().WithMessage("test.idx:*declares 33 dimensions; expected 1 to 32*");
    }

    [Fact]
    public void Read_HeaderTruncatedInTheDimensions_SaysHowManyBytesWereThere()
    {
        byte[] file = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0];

        Reading(file).Should().Throw<InvalidDataException>()
            .WithMessage("test.idx:*header is truncated: 3 dimension sizes need 12 bytes after the magic number, got 10*");
    }

    [Fact]
    public void Read_DimensionAboveIntMax_IsRejected()
    {
        Reading(Idx(0x08, [0x8000_0000u], 1)).Should().Throw<InvalidDataException>()
            .WithMessage("test.idx:*dimension 0 has size 2147483648, more than the largest supported (2147483647)*");
    }

    [Fact]
    public void Read_ShapeProductOverflowingAnArray_IsRejected()
    {
        // 65536 · 65536 = 2^32 elements; and 2^31−1 three times would overflow a long if multiplied naively.
        Reading(Idx(0x08, [65536, 65536], 1)).Should().Throw<InvalidDataException>()
            .WithMessage("test.idx:*shape [65536, 65536] has more elements than an array can hold*");
        Reading(Idx(0x08, [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], 1)).Should().Throw<InvalidDataException>()
            .WithMessage("*more elements than an array can hold*");
    }

    [Fact]
    public void Read_TruncatedData_GivesExpectedAndActualBytes()
    {
        byte[] file = Idx(0x0C, [2, 3], new byte[23]);

        Reading(file).Should().Throw<InvalidDataException>()
            .WithMessage("test.idx:*data is truncated: shape [2, 3] of int needs 24 bytes after the 12-byte header, but only 23 follow*");
    }

    [Fact]
    public void Read_TruncatedDataFromAStreamOfUnknownLength_GivesExpectedAndActualBytes()
    {
        byte[] file = Idx(0x08, [10, 10], new byte[57]);

        Action plain = () => IdxReader.Read(TestStreams.NonSeekable(file), "pipe");
        Action gzip = () => IdxReader.Read(new MemoryStream(TestStreams.Gzip(file)), "data.gz");

        plain.Should().Throw<InvalidDataException>().WithMessage("pipe:*needs 100 bytes*but only 57 follow*");
        gzip.Should().Throw<InvalidDataException>().WithMessage("data.gz:*needs 100 bytes*but only 57 follow*");
    }

    [Fact]
    public void Read_TrailingData_IsRejectedLikeTorchvision()
    {
        byte[] file = Idx(0x08, [2], 1, 2, 3, 4, 5);

        Reading(file).Should().Throw<InvalidDataException>()
            .WithMessage("test.idx:*trailing data: shape [2] of ubyte needs 2 bytes after the 8-byte header, but 3 more bytes follow*");
        Action gzip = () => IdxReader.Read(new MemoryStream(TestStreams.Gzip(file)), "data.gz");
        gzip.Should().Throw<InvalidDataException>().WithMessage("data.gz:*trailing data*needs 2 bytes*more data follows*");
    }

    [Fact]
    public void Read_CorruptGzip_NamesTheFile()
    {
        byte[] gzip = TestStreams.Gzip(Idx(0x08, [100], new byte[100]));
        for (int i = 10; i < gzip.Length - 8; i++)
        {
            gzip[i] ^= 0x5A;
        }

        Reading(gzip, "broken.gz").Should().Throw<InvalidDataException>().WithMessage("broken.gz:*");
    }

    [Fact]
    public void Read_HugeDeclaredShapeInATinyFile_AllocatesAlmostNothing()
    {
        // A billion bytes declared, 20 present: the reader must fail before trusting the header.
        byte[] file = Idx(0x08, [1000, 1000, 1000], new byte[20]);
        byte[] gzip = TestStreams.Gzip(Idx(0x0E, [250_000_000], new byte[20]));

        foreach (Func<Stream> open in new Func<Stream>[]
        {
            () => new MemoryStream(file), () => TestStreams.NonSeekable(file), () => new MemoryStream(gzip),
        })
        {
            using Stream stream = open();
            long before = GC.GetAllocatedBytesForCurrentThread();
            Action act = () => IdxReader.Read(stream, "tiny");
            act.Should().Throw<InvalidDataException>().WithMessage("tiny:*truncated*");
            (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
        }
    }

    [Fact]
    public void Read_StreamAtAnOffset_ReadsFromThere()
    {
        byte[] file = [0xAA, 0xBB, .. Idx(0x08, [2], 3, 4)];
        var stream = new MemoryStream(file) { Position = 2 };

        IdxReader.Read(stream, "offset").AsSpan<byte>().ToArray().Should().Equal(3, 4);
    }
}
