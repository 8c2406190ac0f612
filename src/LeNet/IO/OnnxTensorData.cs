using System.Buffers.Binary;
using System.Globalization;
using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>
/// A <c>TensorProto</c> as read: dims, element type, and its values in whichever field holds them
/// (<c>raw_data</c>, <c>float_data</c>, <c>int32_data</c>, <c>int64_data</c>, <c>double_data</c>) or in an
/// external file (<c>data_location</c> = EXTERNAL with <c>location</c>/<c>offset</c>/<c>length</c>).
/// </summary>
internal sealed class OnnxTensorData
{
    public List<long> Dims { get; } = [];

    public int DataType { get; private set; }

    public string Name { get; private set; } = "";

    public ReadOnlyMemory<byte>? Raw { get; private set; }

    public List<float> FloatData { get; } = [];

    public List<long> Int32Data { get; } = [];

    public List<long> Int64Data { get; } = [];

    public List<double> DoubleData { get; } = [];

    public int DataLocation { get; private set; }

    public List<(string Key, string Value)> ExternalData { get; } = [];

    public static OnnxTensorData Parse(ProtoReader reader)
    {
        var tensor = new OnnxTensorData();
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case TensorDims:
                    reader.ReadRepeatedInt64(wire, tensor.Dims);
                    break;
                case TensorDataType:
                    reader.Expect(wire, ProtoReader.Varint, "TensorProto.data_type");
                    tensor.DataType = reader.ReadInt32();
                    break;
                case TensorFloatData:
                    reader.ReadRepeatedFloat(wire, tensor.FloatData);
                    break;
                case TensorInt32Data:
                    reader.ReadRepeatedInt64(wire, tensor.Int32Data);
                    break;
                case TensorInt64Data:
                    reader.ReadRepeatedInt64(wire, tensor.Int64Data);
                    break;
                case TensorName:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "TensorProto.name");
                    tensor.Name = reader.ReadString();
                    break;
                case TensorRawData:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "TensorProto.raw_data");
                    tensor.Raw = reader.ReadBytes();
                    break;
                case TensorDoubleData:
                    reader.ReadRepeatedDouble(wire, tensor.DoubleData);
                    break;
                case TensorExternalData:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "TensorProto.external_data");
                    tensor.ExternalData.Add(ParseEntry(reader.ReadMessage()));
                    break;
                case TensorDataLocation:
                    reader.Expect(wire, ProtoReader.Varint, "TensorProto.data_location");
                    tensor.DataLocation = reader.ReadInt32();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return tensor;
    }

    /// <summary>The dims as an int shape, each checked: non-negative, the product at most <see cref="int.MaxValue"/>.</summary>
    /// <exception cref="InvalidDataException">A dim is negative or the element count overflows.</exception>
    public int[] Shape(out int count)
    {
        long product = 1;
        foreach (long dim in Dims)
        {
            if (dim < 0 || dim > int.MaxValue || (product *= dim) > int.MaxValue)
            {
                throw new InvalidDataException($"tensor '{Name}' has dims {Format(Dims)}: a negative size or more than {int.MaxValue} elements.");
            }
        }

        count = (int)product;
        return [.. Dims.Select(d => (int)d)];
    }

    /// <summary>The values as float32 (float, double and float16 tensors).</summary>
    /// <param name="externalData">Resolves external data; null when the model came from a stream without a folder.</param>
    /// <exception cref="InvalidDataException">The data does not match the dims, or the external data is out of bounds.</exception>
    /// <exception cref="NotSupportedException">The element type is not a floating-point one.</exception>
    public float[] ToFloats(OnnxExternalData? externalData)
    {
        Shape(out int count);
        int size = DataType switch
        {
            DataTypeFloat => 4,
            DataTypeDouble => 8,
            DataTypeFloat16 => 2,
            _ => throw new NotSupportedException($"tensor '{Name}' has element type {TypeName(DataType)}; float, double and float16 weights are supported."),
        };

        ReadOnlyMemory<byte>? bytes = Bytes(externalData, count, size);
        if (bytes is { } raw)
        {
            ReadOnlySpan<byte> span = raw.Span;
            float[] values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = size switch
                {
                    4 => BinaryPrimitives.ReadSingleLittleEndian(span[(i * 4)..]),
                    8 => (float)BinaryPrimitives.ReadDoubleLittleEndian(span[(i * 8)..]),
                    _ => (float)BinaryPrimitives.ReadHalfLittleEndian(span[(i * 2)..]),
                };
            }

            return values;
        }

        // float16 values live in int32_data, one per element (the low 16 bits).
        return DataType switch
        {
            DataTypeFloat => CheckCount(FloatData, count).ToArray(),
            DataTypeDouble => [.. CheckCount(DoubleData, count).Select(d => (float)d)],
            _ => [.. CheckCount(Int32Data, count).Select(bits => (float)BitConverter.UInt16BitsToHalf((ushort)bits))],
        };
    }

    /// <summary>The values as int64 (int64 and int32 tensors: shapes, axes, pads; bool ones as 0 and 1: a Where's condition).</summary>
    /// <exception cref="InvalidDataException">The data does not match the dims.</exception>
    /// <exception cref="NotSupportedException">The element type is not an integer one.</exception>
    public long[] ToInt64s(OnnxExternalData? externalData)
    {
        Shape(out int count);
        int size = DataType switch
        {
            DataTypeInt64 => 8,
            DataTypeInt32 => 4,
            DataTypeBool => 1,
            _ => throw new NotSupportedException($"tensor '{Name}' has element type {TypeName(DataType)} where int64 values (a shape, axes or pads) are expected."),
        };

        ReadOnlyMemory<byte>? bytes = Bytes(externalData, count, size);
        if (bytes is { } raw)
        {
            ReadOnlySpan<byte> span = raw.Span;
            long[] values = new long[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = size switch
                {
                    8 => BinaryPrimitives.ReadInt64LittleEndian(span[(i * 8)..]),
                    4 => BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]),
                    _ => span[i] != 0 ? 1 : 0,
                };
            }

            return values;
        }

        // Bool values without raw_data are in int32_data, like int32 ones.
        return size == 8 ? [.. CheckCount(Int64Data, count)] : [.. CheckCount(Int32Data, count).Select(v => size == 1 && v != 0 ? 1 : v)];
    }

    /// <summary>The little-endian bytes of the values (raw_data or external), checked against the dims; null when a typed field holds them.</summary>
    private ReadOnlyMemory<byte>? Bytes(OnnxExternalData? externalData, int count, int size)
    {
        long expected = (long)count * size;
        if (DataLocation == DataLocationExternal)
        {
            if (externalData is null)
            {
                throw new NotSupportedException($"tensor '{Name}' is stored in an external file; import the model from its path (or pass the folder that holds its data) so the file can be found.");
            }

            return externalData.Read(this, expected);
        }

        if (DataLocation != 0)
        {
            throw new InvalidDataException($"tensor '{Name}' has data_location {DataLocation}; 0 (DEFAULT) and 1 (EXTERNAL) exist.");
        }

        if (Raw is not { } raw)
        {
            return null;
        }

        if (raw.Length != expected)
        {
            throw new InvalidDataException($"tensor '{Name}' with dims {Format(Dims)} needs {expected} bytes of raw_data, got {raw.Length}.");
        }

        return raw;
    }

    private List<T> CheckCount<T>(List<T> values, int count) => values.Count == count
        ? values
        : throw new InvalidDataException($"tensor '{Name}' with dims {Format(Dims)} has {values.Count} values, expected {count}.");

    public static string Format(IEnumerable<long> dims) => "[" + string.Join(", ", dims.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string TypeName(int type) => type switch
    {
        DataTypeFloat => "float",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        DataTypeInt32 => "int32",
        DataTypeInt64 => "int64",
        8 => "string",
        DataTypeBool => "bool",
        DataTypeFloat16 => "float16",
        DataTypeDouble => "double",
        16 => "bfloat16",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };

    private static (string Key, string Value) ParseEntry(ProtoReader reader)
    {
        (string key, string value) = ("", "");
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == EntryKey && wire == ProtoReader.LengthDelimited)
            {
                key = reader.ReadString();
            }
            else if (field == EntryValue && wire == ProtoReader.LengthDelimited)
            {
                value = reader.ReadString();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }
}

/// <summary>
/// Reads external tensor data (<c>location</c>, <c>offset</c>, <c>length</c>) from files in the model's
/// folder: a location outside that folder is refused, offsets and lengths are checked against the file
/// before anything is read.
/// </summary>
internal sealed class OnnxExternalData(string directory)
{
    private readonly string _directory = Path.GetFullPath(directory);

    public ReadOnlyMemory<byte> Read(OnnxTensorData tensor, long expected)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach ((string key, string value) in tensor.ExternalData)
        {
            switch (key)
            {
                case "location":
                    location = value;
                    break;
                case "offset":
                    offset = ParseNumber(tensor, key, value);
                    break;
                case "length":
                    length = ParseNumber(tensor, key, value);
                    break;
                default:
                    break; // "checksum" and others: not needed to read the data
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' is external but has no 'location'.");
        }

        if (location.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(location))
        {
            throw new InvalidDataException($"tensor '{tensor.Name}': external data location '{location}' must be a relative path inside the model's folder.");
        }

        string full = Path.GetFullPath(Path.Combine(_directory, location));
        string root = Path.EndsInDirectorySeparator(_directory) ? _directory : _directory + Path.DirectorySeparatorChar;
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"tensor '{tensor.Name}': external data location '{location}' points outside the model's folder {_directory}; refused.");
        }

        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"OnnxImporter: the external data file '{location}' of tensor '{tensor.Name}' was not found (looked for {full}).", full);
        }

        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        long available = stream.Length;
        long size = length ?? expected;
        if (size != expected)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}' with dims {OnnxTensorData.Format(tensor.Dims)} needs {expected} bytes, but its external data says length {size}.");
        }

        if (offset > available || size > available - offset)
        {
            throw new InvalidDataException($"tensor '{tensor.Name}': external data at offset {offset}, length {size} runs past the end of '{location}' ({available} bytes).");
        }

        byte[] bytes = new byte[size];
        stream.Seek(offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long ParseNumber(OnnxTensorData tensor, string key, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long number)
            ? number
            : throw new InvalidDataException($"tensor '{tensor.Name}': external data {key} '{value}' is not a non-negative integer.");
}
