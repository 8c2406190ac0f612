using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace LeNet.IO;

/// <summary>
/// The few pieces of the protocol-buffers wire format the ONNX exporter needs: varints, fixed32 floats
/// and length-delimited strings, bytes and nested messages. It keeps the library free of a protobuf
/// dependency; the tests decode its output with Google.Protobuf.
/// </summary>
/// <remarks>
/// A field is a tag <c>(fieldNumber &lt;&lt; 3) | wireType</c> as a varint, then its value: wire type 0
/// a varint (7 bits per byte, low group first, high bit = more follows; negative int64 take 10 bytes),
/// 5 four little-endian bytes, 2 a varint length and that many bytes.
/// </remarks>
internal sealed class ProtoWriter
{
    private const int Varint = 0;
    private const int LengthDelimited = 2;
    private const int Fixed32 = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>An <c>int32</c>, <c>int64</c> or enum field.</summary>
    public void WriteInt64(int field, long value)
    {
        WriteTag(field, Varint);
        // int32 and int64 both encode negative values as the 64-bit two's complement (10 bytes).
        WriteRawVarint((ulong)value);
    }

    /// <summary>A <c>float</c> field (fixed32).</summary>
    public void WriteFloat(int field, float value)
    {
        WriteTag(field, Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    /// <summary>A <c>string</c> field, UTF-8.</summary>
    public void WriteString(int field, string value)
    {
        WriteTag(field, LengthDelimited);
        int length = Encoding.UTF8.GetByteCount(value);
        WriteRawVarint((ulong)length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    /// <summary>A <c>bytes</c> field.</summary>
    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimited);
        WriteRawVarint((ulong)value.Length);
        _buffer.Write(value);
    }

    /// <summary>A message field: <paramref name="build"/> writes the nested message, which is then length-prefixed.</summary>
    public void WriteMessage(int field, Action<ProtoWriter> build)
    {
        var nested = new ProtoWriter();
        build(nested);
        WriteBytes(field, nested.WrittenSpan);
    }

    private void WriteTag(int field, int wireType) => WriteRawVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteRawVarint(ulong value)
    {
        Span<byte> span = _buffer.GetSpan(10);
        int count = 0;
        while (value >= 0x80)
        {
            span[count++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[count++] = (byte)value;
        _buffer.Advance(count);
    }
}
