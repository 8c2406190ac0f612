using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace LeNet.IO;

/// <summary>
/// Reads the protocol-buffers wire format that <see cref="ProtoWriter"/> writes (and any conforming
/// serializer): tags, varints, fixed32/fixed64 values, length-delimited strings, bytes, nested messages
/// and packed repeated fields. It reads from memory and never allocates more than the bytes it is given:
/// every length is checked against what remains before anything is sliced or copied.
/// </summary>
/// <remarks>
/// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32; the deprecated groups (3, 4) and
/// unknown types are malformed input. Every problem is an <see cref="InvalidDataException"/> naming the
/// byte offset within the message being read.
/// </remarks>
internal struct ProtoReader
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlyMemory<byte> _data;
    private int _position;

    /// <summary>A reader over one message's bytes.</summary>
    public ProtoReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Whether every byte has been read.</summary>
    public readonly bool End => _position >= _data.Length;

    /// <summary>The offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>Reads the next field's tag; false at the end of the message.</summary>
    /// <param name="field">The field number (1 to 2²⁹ − 1).</param>
    /// <param name="wireType">The wire type: <see cref="Varint"/>, <see cref="Fixed64"/>, <see cref="LengthDelimited"/> or <see cref="Fixed32"/>.</param>
    /// <exception cref="InvalidDataException">The tag is truncated, has field number 0 or an unsupported wire type.</exception>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            (field, wireType) = (0, 0);
            return false;
        }

        int at = _position;
        ulong tag = ReadVarint();
        ulong number = tag >> 3;
        wireType = (int)(tag & 7);
        if (number == 0 || number > int.MaxValue >> 2)
        {
            Throw($"field number {number} at byte {at} is out of range");
        }

        if (wireType is not (Varint or Fixed64 or LengthDelimited or Fixed32))
        {
            Throw($"wire type {wireType} of field {number} at byte {at} is not supported (groups are deprecated)");
        }

        field = (int)number;
        return true;
    }

    /// <summary>Reads a base-128 varint (at most 10 bytes).</summary>
    /// <exception cref="InvalidDataException">The varint is truncated or longer than 10 bytes.</exception>
    public ulong ReadVarint()
    {
        ReadOnlySpan<byte> span = _data.Span;
        ulong value = 0;
        for (int shift = 0, count = 0; count < 10; shift += 7, count++)
        {
            if (_position >= span.Length)
            {
                Throw($"a varint is truncated at byte {_position}");
            }

            byte b = span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        Throw($"a varint is longer than 10 bytes at byte {_position - 10}");
        return 0;
    }

    /// <summary>Reads an <c>int64</c> (or <c>int32</c>, enum) varint as two's complement.</summary>
    public long ReadInt64() => (long)ReadVarint();

    /// <summary>Reads an <c>int32</c> or enum varint; a value outside the int range is malformed.</summary>
    /// <exception cref="InvalidDataException">The value does not fit in 32 bits.</exception>
    public int ReadInt32()
    {
        long value = ReadInt64();
        if (value is < int.MinValue or > int.MaxValue)
        {
            Throw($"an int32 value {value} before byte {_position} is out of range");
        }

        return (int)value;
    }

    /// <summary>Reads a little-endian <c>float</c> (wire type 5).</summary>
    public float ReadFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4, "a fixed32 value"));

    /// <summary>Reads a little-endian <c>double</c> (wire type 1).</summary>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "a fixed64 value"));

    /// <summary>Reads a length-delimited field's bytes (a string, bytes or a nested message), without copying.</summary>
    /// <exception cref="InvalidDataException">The length runs past the end of the message.</exception>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        int at = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            Throw($"a length of {length} bytes at byte {at} runs past the end ({_data.Length - _position} bytes remain)");
        }

        ReadOnlyMemory<byte> slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Reads a UTF-8 <c>string</c> field.</summary>
    /// <exception cref="InvalidDataException">The length runs past the end, or the bytes are not valid UTF-8.</exception>
    public string ReadString()
    {
        int at = _position;
        ReadOnlyMemory<byte> bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            Throw($"the string at byte {at} is not valid UTF-8");
            return "";
        }
    }

    /// <summary>A reader over the nested message that follows (a length-delimited field).</summary>
    public ProtoReader ReadMessage() => new(ReadBytes());

    /// <summary>Skips a field's value of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8, "a fixed64 value");
                break;
            case LengthDelimited:
                ReadBytes();
                break;
            case Fixed32:
                Take(4, "a fixed32 value");
                break;
            default:
                Throw($"wire type {wireType} cannot be skipped");
                break;
        }
    }

    /// <summary>Reads a repeated <c>int64</c>/<c>int32</c> field, packed (wire type 2) or one element (wire type 0), into <paramref name="values"/>.</summary>
    public void ReadRepeatedInt64(int wireType, List<long> values)
    {
        if (wireType == LengthDelimited)
        {
            var packed = new ProtoReader(ReadBytes());
            while (!packed.End)
            {
                values.Add(packed.ReadInt64());
            }
        }
        else
        {
            Expect(wireType, Varint, "an integer");
            values.Add(ReadInt64());
        }
    }

    /// <summary>Reads a repeated <c>float</c> field, packed or one element (wire type 5), into <paramref name="values"/>.</summary>
    public void ReadRepeatedFloat(int wireType, List<float> values)
    {
        if (wireType == LengthDelimited)
        {
            ReadOnlySpan<byte> packed = ReadBytes().Span;
            if (packed.Length % 4 != 0)
            {
                Throw($"a packed float field of {packed.Length} bytes before byte {_position} is not a multiple of 4");
            }

            for (int i = 0; i < packed.Length; i += 4)
            {
                values.Add(BinaryPrimitives.ReadSingleLittleEndian(packed[i..]));
            }
        }
        else
        {
            Expect(wireType, Fixed32, "a float");
            values.Add(ReadFloat());
        }
    }

    /// <summary>Reads a repeated <c>double</c> field, packed or one element (wire type 1), into <paramref name="values"/>.</summary>
    public void ReadRepeatedDouble(int wireType, List<double> values)
    {
        if (wireType == LengthDelimited)
        {
            ReadOnlySpan<byte> packed = ReadBytes().Span;
            if (packed.Length % 8 != 0)
            {
                Throw($"a packed double field of {packed.Length} bytes before byte {_position} is not a multiple of 8");
            }

            for (int i = 0; i < packed.Length; i += 8)
            {
                values.Add(BinaryPrimitives.ReadDoubleLittleEndian(packed[i..]));
            }
        }
        else
        {
            Expect(wireType, Fixed64, "a double");
            values.Add(ReadDouble());
        }
    }

    /// <summary>Checks that a field has the wire type its schema gives it.</summary>
    /// <exception cref="InvalidDataException">It has another.</exception>
    public readonly void Expect(int wireType, int expected, string what)
    {
        if (wireType != expected)
        {
            Throw($"{what} field before byte {_position} has wire type {wireType}, expected {expected}");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_data.Length - _position < count)
        {
            Throw($"{what} is truncated at byte {_position}");
        }

        ReadOnlySpan<byte> span = _data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new InvalidDataException($"Malformed protobuf: {message}.");
}
