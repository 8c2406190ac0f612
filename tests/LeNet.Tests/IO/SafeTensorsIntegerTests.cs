using System.Buffers.Binary;
using LeNet.IO;

namespace LeNet.Tests.IO;

/// <summary>The integer dtypes (a PyTorch BatchNorm state dict holds num_batches_tracked as int64), built byte by byte from the format.</summary>
public class SafeTensorsIntegerTests
{
    private static SafeTensorsFile ReadOne(string dtype, int count, byte[] data) =>
        SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build($$$"""{"t":{"dtype":"{{{dtype}}}","shape":[{{{count}}}],"data_offsets":[0,{{{data.Length}}}]}}""", data)));

    private static byte[] Little<T>(int size, T[] values, Action<byte[], int, T> write)
    {
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            write(bytes, i * size, values[i]);
        }

        return bytes;
    }

    [Fact]
    public void Read_I64_ConvertsExactValues()
    {
        long[] values = [0, 1, -7, 16777216, -16777216, 1L << 40];
        byte[] data = Little(8, values, (b, o, v) => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(o), v));

        ReadOne("I64", values.Length, data)["t"].ToArray().Should().Equal(0f, 1f, -7f, 16777216f, -16777216f, 1099511627776f);
    }

    [Theory]
    [InlineData(16777217L)]
    [InlineData(-16777217L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue + 1)]
    public void Read_I64NotExactInFloat32_ThrowsNamingKeyAndValue(long value)
    {
        byte[] data = Little(8, [3L, value], (b, o, v) => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(o), v));

        Action act = () => ReadOne("I64", 2, data);

        act.Should().Throw<InvalidDataException>().WithMessage($"*tensor 't' (I64) holds the value {value} at element 1, which float32 cannot represent exactly*");
    }

    [Fact]
    public void Read_I32_ConvertsExactAndRefusesInexact()
    {
        int[] values = [5, -3, int.MinValue];
        ReadOne("I32", 3, Little(4, values, (b, o, v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(o), v)))["t"].ToArray()
            .Should().Equal(5f, -3f, -2147483648f);

        Action act = () => ReadOne("I32", 1, Little(4, [int.MaxValue], (b, o, v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(o), v)));

        act.Should().Throw<InvalidDataException>().WithMessage("*tensor 't' (I32) holds the value 2147483647 at element 0*");
    }

    [Fact]
    public void Read_I16_ConvertsSigned() =>
        ReadOne("I16", 3, Little(2, new short[] { short.MinValue, -1, short.MaxValue }, (b, o, v) => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(o), v)))["t"].ToArray()
            .Should().Equal(-32768f, -1f, 32767f);

    [Fact]
    public void Read_I8_ConvertsSigned() =>
        ReadOne("I8", 3, [0x80, 0xFF, 0x7F])["t"].ToArray().Should().Equal(-128f, -1f, 127f);

    [Fact]
    public void Read_U8_ConvertsUnsigned() =>
        ReadOne("U8", 3, [0x00, 0x80, 0xFF])["t"].ToArray().Should().Equal(0f, 128f, 255f);

    [Fact]
    public void Read_Bool_ConvertsToZeroOne() =>
        ReadOne("BOOL", 3, [1, 0, 1])["t"].ToArray().Should().Equal(1f, 0f, 1f);

    [Fact]
    public void Read_BoolByteOtherThanZeroOne_Throws()
    {
        Action act = () => ReadOne("BOOL", 2, [0, 2]);

        act.Should().Throw<InvalidDataException>().WithMessage("*tensor 't' (BOOL) holds the byte 2 at element 1, expected 0 or 1*");
    }

    [Fact]
    public void Read_IntegerSizeMismatch_Throws()
    {
        Action act = () => SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build("""{"t":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}}""", new byte[8])));

        act.Should().Throw<InvalidDataException>().WithMessage("*dtype I64 × shape [2] needs 16*");
    }

    [Fact]
    public void Write_NumBatchesTracked_WritesI64ScalarAndReadsBack()
    {
        var stream = new MemoryStream();
        var count = new Tensor([]);
        count.AsSpan()[0] = 300f;

        SafeTensors.Write(stream, new Dictionary<string, Tensor> { ["1.weight"] = Tensor.FromArray([2f], 1), ["1.num_batches_tracked"] = count });

        byte[] file = stream.ToArray();
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = System.Text.Encoding.UTF8.GetString(file, 8, (int)headerLength).TrimEnd();
        header.Should().Be("""{"1.weight":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"1.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}""");
        BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(8 + (int)headerLength + 4)).Should().Be(300);
        SafeTensors.Read(new MemoryStream(file))["1.num_batches_tracked"].ToArray().Should().Equal(300f);
    }

    [Fact]
    public void Write_NumBatchesTrackedNotInteger_Throws()
    {
        Action act = () => SafeTensors.Write(new MemoryStream(), new Dictionary<string, Tensor> { ["num_batches_tracked"] = Tensor.FromArray([1.5f]) });

        act.Should().Throw<ArgumentException>().WithMessage("SafeTensors.Write: tensor 'num_batches_tracked' is written as int64*holds 1.5*");
    }
}
