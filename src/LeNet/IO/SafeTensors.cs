using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace LeNet.IO;

/// <summary>
/// Reads and writes tensors in the safetensors format (Hugging Face's <c>safetensors</c>, what
/// <c>safetensors.torch.save_file(net.state_dict(), path)</c> writes), so weights move between PyTorch
/// and LeNet under PyTorch's state-dict names.
/// </summary>
/// <remarks>
/// <para>
/// Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON mapping each name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the data buffer), plus
/// an optional <c>"__metadata__"</c> object of strings; then the data buffer, each tensor little-endian
/// in row-major (C) order.
/// </para>
/// <para>
/// Reading treats the file as untrusted: the header length is checked against the file and a 100 MB
/// cap before anything is allocated for it; every dtype, shape and offset is checked, and the tensors
/// must tile the data buffer exactly (no overlap, no hole, no trailing bytes). Any problem throws an
/// <see cref="InvalidDataException"/> naming it and the tensor. Tensor arrays are allocated only after
/// the header has been proved consistent with the bytes actually present, so a hostile header cannot
/// make the reader allocate more than the file holds (F16/BF16 tensors double in size as float32, 1-byte integers quadruple).
/// </para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The largest JSON header accepted, in bytes (100 MB, the reference implementation's limit).</summary>
    public const int MaxHeaderLength = 100 * 1000 * 1000;

    /// <summary>Bytes per chunk when converting between the file's bytes and floats.</summary>
    private const int ChunkBytes = 1 << 16;

    /// <summary>Reads every tensor of a safetensors file, converting F16, BF16, F64 and the integer dtypes (I64, I32, I16, I8, U8, BOOL) to float32; an integer float32 cannot hold exactly is refused.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors by name in header order (the result is itself the name → tensor dictionary), and the metadata.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, holds a dtype other than F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL, or an integer float32 cannot represent exactly; the message names the problem, the tensor and the value.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes, FileOptions.SequentialScan);
        return ReadCore(stream, $"'{path}'");
    }

    /// <summary>
    /// Reads a safetensors file from <paramref name="stream"/>, starting at its current position and
    /// reading to its end. The stream stays open.
    /// </summary>
    /// <param name="stream">A readable stream. A stream that cannot seek is first copied to memory, since its length is needed to check the header.</param>
    /// <returns>The tensors by name in header order, and the metadata.</returns>
    /// <exception cref="ArgumentException">The stream cannot be read.</exception>
    /// <exception cref="InvalidDataException">The content is not a valid safetensors file, or holds an unsupported dtype.</exception>
    public static SafeTensorsFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("SafeTensors.Read: the stream cannot be read.", nameof(stream));
        }

        if (stream.CanSeek)
        {
            return ReadCore(stream, "(stream)");
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return ReadCore(copy, "(stream)");
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as an F32 safetensors file, atomically: to a temporary file
    /// beside <paramref name="path"/>, flushed to disk, then renamed over it, so a failure part-way
    /// leaves any previous file intact. Keys ending in <c>num_batches_tracked</c> (BatchNorm's counter) are
    /// written as I64, as PyTorch stores them.
    /// </summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="tensors">Name → tensor (e.g. <see cref="Layers.Module.StateDict"/>). They are laid out in the dictionary's enumeration order, which for a state dict is PyTorch's registration order.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries (string → string), e.g. <c>format → pt</c>.</param>
    /// <exception cref="ArgumentException">A tensor or metadata value is null, a tensor is named <c>__metadata__</c>, or a <c>num_batches_tracked</c> tensor holds a value that is not an integer.</exception>
    /// <exception cref="IOException">The file could not be written; the previous file, if any, is unchanged.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, wrap: null);

    /// <summary>Writes <paramref name="tensors"/> as an F32 safetensors file to <paramref name="stream"/>, which stays open (<c>num_batches_tracked</c> keys as I64).</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">Name → tensor, laid out in the dictionary's enumeration order.</param>
    /// <param name="metadata">Optional <c>__metadata__</c> entries.</param>
    /// <exception cref="ArgumentException">The stream cannot be written, a tensor or metadata value is null, or a tensor is named <c>__metadata__</c>.</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("SafeTensors.Write: the stream cannot be written.", nameof(stream));
        }

        var items = Snapshot(tensors);
        WriteBody(stream, BuildHeader(items, metadata), items);
        stream.Flush();
    }

    /// <summary>The path overload with a test seam: <paramref name="wrap"/> decorates the temporary file's stream.</summary>
    internal static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Everything is validated and the header built before the disk is touched.
        var items = Snapshot(tensors);
        byte[] header = BuildHeader(items, metadata);
        AtomicFile.Write(path, stream => WriteBody(stream, header, items), wrap);
    }

    private static SafeTensorsFile ReadCore(Stream stream, string source)
    {
        long available = stream.Length - stream.Position;
        if (available < sizeof(ulong))
        {
            SafeTensorsHeader.Throw(source, $"the file has {available} bytes, fewer than the 8-byte header length");
        }

        Span<byte> prefix = stackalloc byte[sizeof(ulong)];
        ReadExactly(stream, prefix, source);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
        {
            SafeTensorsHeader.Throw(source, $"the header length {headerLength} is above the 100 MB limit ({MaxHeaderLength} bytes)");
        }

        long afterPrefix = available - sizeof(ulong);
        if ((long)headerLength > afterPrefix)
        {
            SafeTensorsHeader.Throw(source, $"the header length {headerLength} exceeds the file: only {afterPrefix} bytes follow the length field");
        }

        byte[] header = new byte[headerLength];
        ReadExactly(stream, header, source);
        long dataLength = afterPrefix - (long)headerLength;
        (List<SafeTensorsEntry> entries, OrderedDictionary<string, string> metadata) = SafeTensorsHeader.Parse(header, dataLength, source);

        // The ranges tile the buffer (checked), so reading them in offset order reads the stream straight through.
        int[] order = Enumerable.Range(0, entries.Count).ToArray();
        Array.Sort(order, (a, b) => entries[a].Begin != entries[b].Begin ? entries[a].Begin.CompareTo(entries[b].Begin) : entries[a].End.CompareTo(entries[b].End));
        var values = new float[entries.Count][];
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach (int index in order)
            {
                values[index] = ReadTensor(stream, entries[index], buffer, source);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var tensors = new OrderedDictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        for (int i = 0; i < entries.Count; i++)
        {
            tensors.Add(entries[i].Name, Tensor.Wrap(values[i], entries[i].Shape));
        }

        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>Reads one tensor's bytes in chunks and converts them to float32.</summary>
    private static float[] ReadTensor(Stream stream, SafeTensorsEntry entry, byte[] buffer, string source)
    {
        var values = new float[entry.ElementCount];
        int perChunk = ChunkBytes / entry.ElementSize;
        for (int done = 0; done < values.Length; done += perChunk)
        {
            int count = Math.Min(perChunk, values.Length - done);
            Span<byte> bytes = buffer.AsSpan(0, count * entry.ElementSize);
            ReadExactly(stream, bytes, source);
            Decode(entry, bytes, values.AsSpan(done, count), done, source);
        }

        return values;
    }

    /// <summary>
    /// Little-endian bytes of the entry's dtype → float32 (BF16 is the top half of a float32). Integers are
    /// converted where float32 holds them exactly (all of I16, I8, U8, BOOL; I32 and I64 up to 2^24 in
    /// magnitude, or larger multiples of a power of 2 that fit); any other value is refused by key and value.
    /// </summary>
    private static void Decode(SafeTensorsEntry entry, ReadOnlySpan<byte> bytes, Span<float> values, int firstIndex, string source)
    {
        switch (entry.DType)
        {
            case "F32":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                }

                break;
            case "F16":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
            case "BF16":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
                }

                break;
            case "F64":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
                }

                break;
            case "I64":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = Exact(BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]), entry, firstIndex + i, source);
                }

                break;
            case "I32":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = Exact(BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]), entry, firstIndex + i, source);
                }

                break;
            case "I16":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]);
                }

                break;
            case "I8":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (sbyte)bytes[i];
                }

                break;
            case "U8":
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = bytes[i];
                }

                break;
            default:
                // BOOL is the only other dtype the header parser lets through: one byte, 0 or 1.
                for (int i = 0; i < values.Length; i++)
                {
                    if (bytes[i] > 1)
                    {
                        SafeTensorsHeader.Throw(source, $"tensor '{entry.Name}' (BOOL) holds the byte {bytes[i]} at element {firstIndex + i}, expected 0 or 1");
                    }

                    values[i] = bytes[i];
                }

                break;
        }
    }

    /// <summary>The integer as a float32, or an error naming the tensor and the value when float32 cannot hold it exactly.</summary>
    private static float Exact(long value, SafeTensorsEntry entry, int index, string source)
    {
        float converted = value;
        // Every float32 at or beyond 2^63 in magnitude fails the round trip (the cast saturates or is out of range).
        if (converted >= 9.223372E18f || converted < -9.223372E18f || (long)converted != value)
        {
            SafeTensorsHeader.Throw(source, $"tensor '{entry.Name}' ({entry.DType}) holds the value {value} at element {index}, which float32 cannot represent exactly (it would become {converted:R})");
        }

        return converted;
    }

    private static void ReadExactly(Stream stream, Span<byte> destination, string source)
    {
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException)
        {
            // The length was checked up front, so only a file that shrinks while being read ends here.
            SafeTensorsHeader.Throw(source, "the file ended early (did it change while being read?)");
        }
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a BatchNorm batch counter (<c>num_batches_tracked</c>), which PyTorch
    /// stores as int64: written as I64 so PyTorch's file and ours look alike.
    /// </summary>
    internal static bool IsInt64Counter(string name) => name.EndsWith("num_batches_tracked", StringComparison.Ordinal);

    private static List<KeyValuePair<string, Tensor>> Snapshot(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        // One enumeration, so the header and the data agree on the order whatever the dictionary does.
        var items = tensors.ToList();
        foreach ((string name, Tensor tensor) in items)
        {
            if (tensor is null)
            {
                ThrowArgument($"tensor '{name}' is null", nameof(tensors));
            }

            if (IsInt64Counter(name))
            {
                foreach (float value in tensor.AsReadOnlySpan())
                {
                    if (value != MathF.Round(value) || !(Math.Abs(value) < 9.2e18f))
                    {
                        ThrowArgument($"tensor '{name}' is written as int64 (as PyTorch stores num_batches_tracked), but holds {value}, which is not an integer", nameof(tensors));
                    }
                }
            }

            if (name == SafeTensorsHeader.MetadataKey)
            {
                ThrowArgument($"a tensor cannot be named '{SafeTensorsHeader.MetadataKey}', the format reserves it for metadata", nameof(tensors));
            }
        }

        return items;
    }

    /// <summary>The 8-byte length, the JSON header and its padding: spaces up to a multiple of 8 bytes, so the data buffer starts aligned.</summary>
    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    if (value is null)
                    {
                        ThrowArgument($"metadata '{key}' is null", nameof(metadata));
                    }

                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, Tensor tensor) in items)
            {
                writer.WriteStartObject(name);
                bool counter = IsInt64Counter(name);
                writer.WriteString("dtype", counter ? "I64" : "F32");
                writer.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                {
                    writer.WriteNumberValue(dim);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += (long)tensor.Length * (counter ? sizeof(long) : sizeof(float));
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        int padded = (json.WrittenCount + 7) & ~7;
        if (padded > MaxHeaderLength)
        {
            ThrowArgument($"the header would be {padded} bytes, above the {MaxHeaderLength}-byte limit readers accept", "tensors");
        }

        byte[] header = new byte[sizeof(ulong) + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.WrittenSpan.CopyTo(header.AsSpan(sizeof(ulong)));
        header.AsSpan(sizeof(ulong) + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteBody(Stream stream, byte[] header, List<KeyValuePair<string, Tensor>> items)
    {
        stream.Write(header);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach ((string name, Tensor tensor) in items)
            {
                ReadOnlySpan<float> values = tensor.AsReadOnlySpan();
                if (IsInt64Counter(name))
                {
                    // A counter is small: one write of 8 bytes per element.
                    for (int i = 0; i < values.Length; i++)
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(buffer, (long)values[i]);
                        stream.Write(buffer, 0, sizeof(long));
                    }

                    continue;
                }

                const int PerChunk = ChunkBytes / sizeof(float);
                for (int done = 0; done < values.Length; done += PerChunk)
                {
                    int count = Math.Min(PerChunk, values.Length - done);
                    for (int i = 0; i < count; i++)
                    {
                        BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * sizeof(float)), values[done + i]);
                    }

                    stream.Write(buffer, 0, count * sizeof(float));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [DoesNotReturn]
    private static void ThrowArgument(string problem, string parameterName) =>
        throw new ArgumentException($"SafeTensors.Write: {problem}.", parameterName);
}
