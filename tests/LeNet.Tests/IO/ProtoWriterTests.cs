using LeNet.IO;

namespace LeNet.Tests.IO;

/// <summary>Expected bytes from the protocol-buffers encoding guide's worked examples and the wire-format rules.</summary>
public class ProtoWriterTests
{
    [Fact]
    public void WriteInt64_150InField1_Is08_96_01()
    {
        var writer = new ProtoWriter();

        writer.WriteInt64(1, 150);

        writer.WrittenSpan.ToArray().Should().Equal(0x08, 0x96, 0x01);
    }

    [Fact]
    public void WriteInt64_NegativeOne_IsTenBytesOfTwosComplement()
    {
        var writer = new ProtoWriter();

        writer.WriteInt64(1, -1);

        writer.WrittenSpan.ToArray().Should().Equal(0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01);
    }

    [Fact]
    public void WriteString_TestingInField2_IsLengthDelimited()
    {
        var writer = new ProtoWriter();

        writer.WriteString(2, "testing");

        writer.WrittenSpan.ToArray().Should().Equal(0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67);
    }

    [Fact]
    public void WriteMessage_NestedField3_PrefixesTheNestedLength()
    {
        var writer = new ProtoWriter();

        writer.WriteMessage(3, nested => nested.WriteInt64(1, 150));

        writer.WrittenSpan.ToArray().Should().Equal(0x1A, 0x03, 0x08, 0x96, 0x01);
    }

    [Fact]
    public void WriteFloat_OneInField2_IsFixed32LittleEndian()
    {
        var writer = new ProtoWriter();

        writer.WriteFloat(2, 1f);

        writer.WrittenSpan.ToArray().Should().Equal(0x15, 0x00, 0x00, 0x80, 0x3F);
    }

    [Fact]
    public void WriteInt64_Field20_UsesATwoByteTag()
    {
        var writer = new ProtoWriter();

        writer.WriteInt64(20, 7);

        // (20 << 3) | 0 = 160 = 0xA0 0x01 as a varint.
        writer.WrittenSpan.ToArray().Should().Equal(0xA0, 0x01, 0x07);
    }

    [Fact]
    public void WriteBytes_300Bytes_UsesATwoByteLength()
    {
        var writer = new ProtoWriter();

        writer.WriteBytes(9, new byte[300]);

        // 300 = 0b10_0101100 → 0xAC 0x02.
        writer.WrittenSpan[..3].ToArray().Should().Equal(0x4A, 0xAC, 0x02);
        writer.WrittenSpan.Length.Should().Be(303);
    }
}
