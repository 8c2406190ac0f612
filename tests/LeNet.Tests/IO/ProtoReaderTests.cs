using LeNet.IO;

namespace LeNet.Tests.IO;

/// <summary>The protocol-buffers encoding guide's worked examples read back, and malformed input refused.</summary>
public class ProtoReaderTests
{
    [Fact]
    public void ReadVarint_150InField1_Reads150()
    {
        var reader = new ProtoReader(new byte[] { 0x08, 0x96, 0x01 });

        reader.TryReadTag(out int field, out int wire).Should().BeTrue();
        long value = reader.ReadInt64();

        (field, wire, value).Should().Be((1, ProtoReader.Varint, 150L));
        reader.TryReadTag(out _, out _).Should().BeFalse();
    }

    [Fact]
    public void ReadInt64_TenBytesOfOnes_IsMinusOne()
    {
        var reader = new ProtoReader(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 });

        reader.ReadInt64().Should().Be(-1);
    }

    [Fact]
    public void ReadString_TestingInField2_IsTesting()
    {
        var reader = new ProtoReader(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67 });

        reader.TryReadTag(out int field, out int wire).Should().BeTrue();

        (field, wire).Should().Be((2, ProtoReader.LengthDelimited));
        reader.ReadString().Should().Be("testing");
    }

    [Fact]
    public void ReadRepeated_PackedAndUnpacked_BothRead()
    {
        // The guide's packed example: field 4, [3, 270, 86942] → 22 06 03 8E 02 9E A7 05; then one unpacked element 7.
        var reader = new ProtoReader(new byte[] { 0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05, 0x20, 0x07 });
        var values = new List<long>();

        while (reader.TryReadTag(out int field, out int wire))
        {
            field.Should().Be(4);
            reader.ReadRepeatedInt64(wire, values);
        }

        values.Should().Equal(3, 270, 86942, 7);
    }

    [Fact]
    public void Read_WhatProtoWriterWrote_RoundTrips()
    {
        var writer = new ProtoWriter();
        writer.WriteFloat(3, 1.5f);
        writer.WriteMessage(5, m => m.WriteString(1, "conv1.weight"));
        writer.WriteBytes(9, [1, 2, 3]);

        var reader = new ProtoReader(writer.WrittenSpan.ToArray());
        reader.TryReadTag(out _, out int floatWire).Should().BeTrue();
        float f = reader.ReadFloat();
        reader.TryReadTag(out _, out _).Should().BeTrue();
        ProtoReader nested = reader.ReadMessage();
        reader.TryReadTag(out _, out _).Should().BeTrue();
        byte[] bytes = reader.ReadBytes().ToArray();
        nested.TryReadTag(out int nestedField, out _).Should().BeTrue();

        (floatWire, f).Should().Be((ProtoReader.Fixed32, 1.5f));
        (nestedField, nested.ReadString()).Should().Be((1, "conv1.weight"));
        bytes.Should().Equal(1, 2, 3);
    }

    [Theory]
    [InlineData(new byte[] { 0x96 }, "truncated")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, "longer than 10 bytes")]
    public void ReadVarint_Malformed_ThrowsInvalidData(byte[] bytes, string message)
    {
        var reader = new ProtoReader(bytes);

        try
        {
            reader.ReadVarint();
            Assert.Fail("expected InvalidDataException");
        }
        catch (InvalidDataException e)
        {
            e.Message.Should().Contain(message);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x12, 0x08, 0x41 }, "runs past the end")] // a length of 8 with 1 byte left
    [InlineData(new byte[] { 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F }, "runs past the end")] // a 4 GB length: checked before anything is allocated
    [InlineData(new byte[] { 0x0B }, "wire type 3")] // a deprecated group
    [InlineData(new byte[] { 0x00 }, "field number 0")]
    [InlineData(new byte[] { 0x15, 0x00, 0x00 }, "truncated")] // a fixed32 with 2 of its 4 bytes
    [InlineData(new byte[] { 0x12, 0x02, 0xC3, 0x28 }, "not valid UTF-8")]
    public void ReadField_Malformed_ThrowsInvalidData(byte[] bytes, string message)
    {
        var reader = new ProtoReader(bytes);

        try
        {
            while (reader.TryReadTag(out _, out int wire))
            {
                if (wire == ProtoReader.LengthDelimited)
                {
                    reader.ReadString();
                }
                else
                {
                    reader.Skip(wire);
                }
            }

            Assert.Fail("expected InvalidDataException");
        }
        catch (InvalidDataException e)
        {
            e.Message.Should().Contain(message);
        }
    }

    [Fact]
    public void ReadRepeatedFloat_PackedLengthNotMultipleOfFour_ThrowsInvalidData()
    {
        var reader = new ProtoReader(new byte[] { 0x22, 0x03, 0x00, 0x00, 0x80 });
        reader.TryReadTag(out _, out int wire);

        try
        {
            reader.ReadRepeatedFloat(wire, []);
            Assert.Fail("expected InvalidDataException");
        }
        catch (InvalidDataException e)
        {
            e.Message.Should().Contain("multiple of 4");
        }
    }
}
