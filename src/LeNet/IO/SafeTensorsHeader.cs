using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;

namespace LeNet.IO;

/// <summary>One tensor of a safetensors header: its dtype, shape and byte range in the data buffer.</summary>
internal sealed record SafeTensorsEntry(string Name, string DType, int ElementSize, int[] Shape, long Begin, long End)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public int ElementCount => (int)((End - Begin) / ElementSize);
}

/// <summary>
/// Parses and checks the JSON header of a safetensors file, treating it as hostile: every number is
/// checked before it is used, with messages naming the problem and the tensor.
/// </summary>
/// <remarks>
/// The header is a JSON object: <c>"__metadata__"</c> → { string: string } (optional), and per tensor
/// <c>name → {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end]}</c>, offsets relative
/// to the data buffer that follows the header. The ranges must tile the buffer exactly: no overlap, no
/// hole, nothing after the last tensor.
/// </remarks>
internal static class SafeTensorsHeader
{
    /// <summary>The key of the optional string → string map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Parses <paramref name="header"/> and checks every entry against a data buffer of <paramref name="dataLength"/> bytes.</summary>
    /// <returns>The entries in header order, and the metadata.</returns>
    /// <exception cref="InvalidDataException">Anything in the header is malformed or inconsistent.</exception>
    public static (List<SafeTensorsEntry> Entries, OrderedDictionary<string, string> Metadata) Parse(ReadOnlyMemory<byte> header, long dataLength, string source)
    {
        if (!Utf8.IsValid(header.Span))
        {
            Throw(source, "the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            // Depth 3 is all a valid header needs (root, entry, shape); the cap bounds the parser's work.
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Invalid(source, $"the header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            try
            {
                return Parse(document.RootElement, dataLength, source);
            }
            catch (InvalidOperationException e)
            {
                // System.Text.Json refuses to turn some escapes (a lone surrogate, "\ud800") into a string.
                throw Invalid(source, $"the header has a string that is not valid text ({e.Message})");
            }
        }
    }

    private static (List<SafeTensorsEntry> Entries, OrderedDictionary<string, string> Metadata) Parse(JsonElement root, long dataLength, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Throw(source, $"the header is a JSON {Kind(root)}, expected an object");
        }

        var entries = new List<SafeTensorsEntry>();
        var metadata = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            // JsonDocument keeps duplicate keys; the format forbids them (which one would win?).
            string name = property.Name;
            if (!seen.Add(name))
            {
                Throw(source, $"duplicate key '{name}' in the header");
            }

            if (name == MetadataKey)
            {
                ParseMetadata(property.Value, metadata, source);
            }
            else
            {
                entries.Add(ParseEntry(name, property.Value, dataLength, source));
            }
        }

        CheckTiling(entries, dataLength, source);
        return (entries, metadata);
    }

    /// <summary>Bytes per element of the dtypes LeNet reads (converted to float32; integers only where exact), or 0 for any other.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" => 2,
        "BF16" => 2,
        "F64" => 8,
        "I64" => 8,
        "I32" => 4,
        "I16" => 2,
        "I8" => 1,
        "U8" => 1,
        "BOOL" => 1,
        _ => 0,
    };

    private static void ParseMetadata(JsonElement value, OrderedDictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Throw(source, $"'{MetadataKey}' is a JSON {Kind(value)}, expected an object of strings");
        }

        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                Throw(source, $"'{MetadataKey}' entry '{item.Name}' is a JSON {Kind(item.Value)}, expected a string");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                Throw(source, $"duplicate key '{item.Name}' in '{MetadataKey}'");
            }
        }
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            Throw(source, $"tensor '{name}': entry is a JSON {Kind(value)}, expected an object with dtype, shape and data_offsets");
        }

        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            // Unknown fields are ignored, as the reference implementation does; known ones may appear once.
            ref JsonElement? slot = ref dtypeElement;
            switch (field.Name)
            {
                case "dtype":
                    break;
                case "shape":
                    slot = ref shapeElement;
                    break;
                case "data_offsets":
                    slot = ref offsetsElement;
                    break;
                default:
                    continue;
            }

            if (slot is not null)
            {
                Throw(source, $"tensor '{name}': duplicate field '{field.Name}'");
            }

            slot = field.Value;
        }

        string dtype = ReadDType(name, dtypeElement, source);
        int elementSize = ElementSize(dtype);
        int[] shape = ReadShape(name, shapeElement, source);
        (long begin, long end) = ReadOffsets(name, offsetsElement, source);

        long elements = 1;
        foreach (int dim in shape)
        {
            // Each dim is at most int.MaxValue, and the running product stays at most Array.MaxLength,
            // so this product cannot overflow a long.
            elements *= dim;
            if (elements > Array.MaxLength)
            {
                Throw(source, $"tensor '{name}': shape {Tensor.FormatShape(shape)} has more elements than a tensor can hold ({Array.MaxLength})");
            }
        }

        if (end > dataLength)
        {
            Throw(source, $"tensor '{name}': data_offsets [{begin}, {end}] are out of range: the data buffer has {dataLength} bytes");
        }

        long expectedBytes = elements * elementSize;
        if (end - begin != expectedBytes)
        {
            Throw(source, $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes, but dtype {dtype} × shape {Tensor.FormatShape(shape)} needs {expectedBytes}");
        }

        return new SafeTensorsEntry(name, dtype, elementSize, shape, begin, end);
    }

    private static string ReadDType(string name, JsonElement? element, string source)
    {
        if (element is not { ValueKind: JsonValueKind.String } value)
        {
            throw Invalid(source, element is null ? $"tensor '{name}': missing field 'dtype'" : $"tensor '{name}': dtype is a JSON {Kind(element.Value)}, expected a string");
        }

        string dtype = value.GetString()!;
        if (ElementSize(dtype) == 0)
        {
            Throw(source, $"tensor '{name}' has dtype '{dtype}', which LeNet cannot load: expected F32, or F16, BF16, F64, I64, I32, I16, I8, U8 or BOOL (converted to float32)");
        }

        return dtype;
    }

    private static int[] ReadShape(string name, JsonElement? element, string source)
    {
        if (element is not { ValueKind: JsonValueKind.Array } value)
        {
            throw Invalid(source, element is null ? $"tensor '{name}': missing field 'shape'" : $"tensor '{name}': shape is a JSON {Kind(element.Value)}, expected an array of sizes");
        }

        var shape = new int[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in value.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number)
            {
                Throw(source, $"tensor '{name}': dimension {i} of the shape is a JSON {Kind(dim)}, expected an integer");
            }

            if (!dim.TryGetInt64(out long size))
            {
                Throw(source, $"tensor '{name}': dimension {i} of the shape ({dim.GetRawText()}) is not an integer or overflows");
            }

            if (size < 0)
            {
                Throw(source, $"tensor '{name}': dimension {i} of the shape is negative ({size})");
            }

            if (size > int.MaxValue)
            {
                Throw(source, $"tensor '{name}': dimension {i} of the shape ({size}) overflows a 32-bit size");
            }

            shape[i++] = (int)size;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string name, JsonElement? element, string source)
    {
        if (element is not { ValueKind: JsonValueKind.Array } value)
        {
            throw Invalid(source, element is null ? $"tensor '{name}': missing field 'data_offsets'" : $"tensor '{name}': data_offsets is a JSON {Kind(element.Value)}, expected [begin, end]");
        }

        if (value.GetArrayLength() != 2)
        {
            Throw(source, $"tensor '{name}': data_offsets has {value.GetArrayLength()} numbers, expected 2 ([begin, end])");
        }

        Span<long> offsets = stackalloc long[2];
        for (int i = 0; i < 2; i++)
        {
            JsonElement offset = value[i];
            if (offset.ValueKind != JsonValueKind.Number || !offset.TryGetInt64(out offsets[i]))
            {
                Throw(source, $"tensor '{name}': data_offsets [{value[0].GetRawText()}, {value[1].GetRawText()}] are not two integers in range");
            }

            if (offsets[i] < 0)
            {
                Throw(source, $"tensor '{name}': data_offsets [{value[0].GetRawText()}, {value[1].GetRawText()}] are negative");
            }
        }

        if (offsets[0] > offsets[1])
        {
            Throw(source, $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
        }

        return (offsets[0], offsets[1]);
    }

    /// <summary>The byte ranges, sorted, must cover [0, dataLength) exactly once.</summary>
    private static void CheckTiling(List<SafeTensorsEntry> entries, long dataLength, string source)
    {
        var sorted = entries.ToArray();
        Array.Sort(sorted, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long covered = 0;
        SafeTensorsEntry? previous = null;
        foreach (SafeTensorsEntry entry in sorted)
        {
            if (entry.Begin < covered)
            {
                Throw(source, $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            }

            if (entry.Begin > covered)
            {
                Throw(source, $"tensor '{entry.Name}': a hole of {entry.Begin - covered} bytes [{covered}, {entry.Begin}) before its data_offsets belongs to no tensor");
            }

            covered = entry.End;
            previous = entry;
        }

        if (covered != dataLength)
        {
            Throw(source, previous is null
                ? $"trailing garbage: {dataLength} bytes follow a header that lists no tensor"
                : $"trailing garbage: {dataLength - covered} bytes follow the last tensor '{previous.Name}' (data ends at {covered}, the file at {dataLength})");
        }
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    public static InvalidDataException Invalid(string source, string problem) =>
        new($"Invalid safetensors file {source}: {problem}.");

    [DoesNotReturn]
    public static void Throw(string source, string problem) => throw Invalid(source, problem);
}
