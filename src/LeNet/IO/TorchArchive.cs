using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace LeNet.IO;

/// <summary>
/// Reads a <c>torch.save</c> file into its object tree: the zip format of PyTorch ≥ 1.6
/// (<c>{folder}/data.pkl</c> plus one <c>{folder}/data/{key}</c> record per storage, in the byte order its
/// <c>{folder}/byteorder</c> record names, little-endian when it has none) or the legacy format
/// (magic number, protocol and system-info pickles, the main pickle, the storage keys, then each storage
/// as an 8-byte element count and its bytes). Tensors become dense float32 <see cref="Tensor"/>s.
/// </summary>
/// <remarks>
/// Everything is treated as hostile: the pickle goes through <see cref="PickleReader"/>'s allow-list; zip
/// records are read with a cap (declared sizes are checked against the budget before anything is
/// allocated, and a record that yields more or fewer bytes than it declares is refused, which stops zip
/// bombs); every storage's length must match what the pickle declares; every view must lie inside its
/// storage; and the float32 tensors produced may not exceed a small multiple of the input's size.
/// </remarks>
internal static class TorchArchive
{
    /// <summary>The legacy format's first pickle: protocol 2, LONG1 of 10 bytes 0x1950a86a20f9469cfc6c, STOP.</summary>
    internal static ReadOnlySpan<byte> LegacyMagic => [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

    /// <summary>A zip local file header's signature, PK\x03\x04.</summary>
    internal static ReadOnlySpan<byte> ZipMagic => [0x50, 0x4b, 0x03, 0x04];

    /// <summary>The largest pickle accepted (a state dict's pickle is a few KB per hundred tensors).</summary>
    private const int MaxPickleBytes = 100 * 1000 * 1000;

    /// <summary>The deepest nesting of containers accepted.</summary>
    private const int MaxDepth = 100;

    /// <summary>The longest <c>byteorder</c> record read ("little" has 6 bytes); a longer one is refused unread.</summary>
    private const int MaxByteOrderBytes = 64;

    /// <summary>Whether <paramref name="prefix"/> (the file's first bytes) starts a torch.save file: a zip archive or the legacy magic.</summary>
    public static bool IsTorchFile(ReadOnlySpan<byte> prefix) =>
        prefix.StartsWith(ZipMagic) || prefix.StartsWith(LegacyMagic[..4]);

    /// <summary>Reads the object tree of the file in <paramref name="stream"/> (seekable, read from its position to its end).</summary>
    public static object? Read(Stream stream, string source)
    {
        long length = stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[4];
        int got = stream.ReadAtLeast(prefix, 4, throwOnEndOfStream: false);
        stream.Seek(-got, SeekOrigin.Current);
        // The tensors may take this much as float32: int8 storages grow 4×, and views of one storage copy it again.
        var budget = new Budget(8 * length + (16 << 20), 64 * length + (1 << 20));
        if (prefix[..got].StartsWith(ZipMagic))
        {
            return ReadZip(stream, source, budget);
        }

        if (got >= 4 && prefix.StartsWith(LegacyMagic[..4]))
        {
            return ReadLegacy(stream, length, source, budget);
        }

        PickleReader.Throw(source, "it is neither a zip archive (PyTorch ≥ 1.6) nor a legacy torch.save file (it does not start with PK\\x03\\x04 or the legacy magic number)");
        return null;
    }

    private sealed class Budget(long floats, long zipBytes)
    {
        public long FloatBytes { get; set; } = floats;

        public long ZipBytes { get; set; } = zipBytes;
    }

    private static object? ReadZip(Stream stream, string source, Budget budget)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            PickleReader.Throw(source, $"the zip archive is corrupt: {Reason(e)}");
            return null;
        }

        using (zip)
        {
            var records = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            string? folder = null;
            bool torchScript = false;
            try
            {
                foreach (ZipArchiveEntry entry in zip.Entries)
                {
                    records.TryAdd(entry.FullName, entry);
                    int slash = entry.FullName.IndexOf('/', StringComparison.Ordinal);
                    if (slash > 0 && entry.FullName.AsSpan(slash + 1).SequenceEqual("data.pkl"))
                    {
                        if (folder is not null && folder != entry.FullName[..slash])
                        {
                            PickleReader.Throw(source, $"the archive has two data.pkl records ('{folder}/data.pkl' and '{PickleReader.Shorten(entry.FullName)}')");
                        }

                        folder = entry.FullName[..slash];
                    }

                    torchScript |= entry.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal) || entry.FullName.Contains("/code/", StringComparison.Ordinal);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
            {
                PickleReader.Throw(source, $"the zip archive is corrupt: {Reason(e)}");
            }

            if (torchScript)
            {
                PickleReader.Throw(source, "it is a TorchScript archive (torch.jit.save), which holds code; save model.state_dict() with torch.save instead");
            }

            if (folder is null)
            {
                PickleReader.Throw(source, "the zip archive has no '{folder}/data.pkl' record, so it is not a torch.save file");
            }

            bool bigEndian = IsBigEndian(records, folder, source, budget);
            byte[] pickle = ReadRecord(records[folder + "/data.pkl"], MaxPickleBytes, source, budget);
            var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
            int position = 0;
            object? root = PickleReader.Load(pickle, ref position, pickle.Length, source, id => ZipStorage(id, storages, source));
            foreach (TorchStorage storage in storages.Values)
            {
                long bytes = storage.ElementCount * TorchStorage.ElementSize(storage.DType);
                string name = folder + "/data/" + storage.Key;
                if (!records.TryGetValue(name, out ZipArchiveEntry? entry))
                {
                    PickleReader.Throw(source, $"storage '{PickleReader.Shorten(storage.Key)}' has no record '{PickleReader.Shorten(name)}' in the archive");
                }

                long declared = SafeLength(entry, source);
                if (declared != bytes)
                {
                    PickleReader.Throw(source, $"storage '{PickleReader.Shorten(storage.Key)}' holds {storage.ElementCount} elements of {storage.DType} ({bytes} bytes) by the pickle, but its record has {declared} bytes");
                }

                if (storage.DType == TorchDType.Float32 && !bigEndian && BitConverter.IsLittleEndian)
                {
                    // Read straight into the floats a dense tensor over the whole storage can keep as its own.
                    Declared(entry, int.MaxValue, source, budget); // refused before anything is allocated
                    storage.Floats = new float[storage.ElementCount];
                    ReadRecord(entry, MemoryMarshal.AsBytes(storage.Floats.AsSpan()), int.MaxValue, source, budget);
                    continue;
                }

                storage.Bytes = ReadRecord(entry, int.MaxValue, source, budget);
                if (bigEndian)
                {
                    ReverseElements(storage.Bytes, TorchStorage.ElementSize(storage.DType));
                }
            }

            return Materialize(root, source, budget);
        }
    }

    /// <summary>
    /// The archive's <c>byteorder</c> record, which PyTorch ≥ 1.10 writes as <c>sys.byteorder</c>: the order of the
    /// storages' bytes. Absent (older PyTorch) or <c>little</c>: false; <c>big</c>: true. Anything else is refused,
    /// as PyTorch's own loader does ("Unknown endianness type").
    /// </summary>
    private static bool IsBigEndian(Dictionary<string, ZipArchiveEntry> records, string folder, string source, Budget budget)
    {
        if (!records.TryGetValue(folder + "/byteorder", out ZipArchiveEntry? entry))
        {
            return false;
        }

        byte[] value = ReadRecord(entry, MaxByteOrderBytes, source, budget);
        if (value.AsSpan().SequenceEqual("little"u8))
        {
            return false;
        }

        if (value.AsSpan().SequenceEqual("big"u8))
        {
            return true;
        }

        string shown = value.All(b => b is >= 0x20 and < 0x7f) ? $"'{System.Text.Encoding.ASCII.GetString(value)}'" : $"the bytes {Convert.ToHexString(value)}";
        PickleReader.Throw(source, $"its '{PickleReader.Shorten(entry.FullName)}' record is {shown}, expected 'little' or 'big'");
        return false;
    }

    /// <summary>Turns big-endian elements of <paramref name="size"/> bytes into little-endian ones, in place (1-byte elements need nothing).</summary>
    private static void ReverseElements(byte[] bytes, int size)
    {
        Span<byte> span = bytes;
        switch (size)
        {
            case 2:
                Span<ushort> halves = MemoryMarshal.Cast<byte, ushort>(span);
                BinaryPrimitives.ReverseEndianness(halves, halves);
                break;
            case 4:
                Span<uint> words = MemoryMarshal.Cast<byte, uint>(span);
                BinaryPrimitives.ReverseEndianness(words, words);
                break;
            case 8:
                Span<ulong> longs = MemoryMarshal.Cast<byte, ulong>(span);
                BinaryPrimitives.ReverseEndianness(longs, longs);
                break;
            default:
                Debug.Assert(size == 1, $"no byte swap for {size}-byte elements");
                break;
        }
    }

    private static long SafeLength(ZipArchiveEntry entry, string source)
    {
        try
        {
            return entry.Length;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException)
        {
            PickleReader.Throw(source, $"the zip record '{PickleReader.Shorten(entry.FullName)}' is corrupt: {Reason(e)}");
            return 0;
        }
    }

    /// <summary>Reads a zip record whole, refusing one above <paramref name="limit"/>, beyond the budget, or not the size it declares.</summary>
    private static byte[] ReadRecord(ZipArchiveEntry entry, int limit, string source, Budget budget)
    {
        long declared = Declared(entry, limit, source, budget);
        byte[] bytes = new byte[declared];
        ReadRecord(entry, bytes, limit, source, budget);
        return bytes;
    }

    /// <summary>The record's declared size, refused above <paramref name="limit"/> or the budget.</summary>
    private static long Declared(ZipArchiveEntry entry, int limit, string source, Budget budget)
    {
        long declared = SafeLength(entry, source);
        if (declared < 0 || declared > limit || declared > budget.ZipBytes)
        {
            PickleReader.Throw(source, $"the record '{PickleReader.Shorten(entry.FullName)}' declares {declared} bytes, more than accepted ({Math.Min(limit, budget.ZipBytes)})");
        }

        return declared;
    }

    /// <summary>Reads a zip record whole into <paramref name="bytes"/>, which has the length it declares (refused as <see cref="ReadRecord(ZipArchiveEntry, int, string, Budget)"/>).</summary>
    private static void ReadRecord(ZipArchiveEntry entry, Span<byte> bytes, int limit, string source, Budget budget)
    {
        string name = PickleReader.Shorten(entry.FullName);
        long declared = Declared(entry, limit, source, budget);
        Debug.Assert(declared == bytes.Length, "the destination has the record's declared length");
        budget.ZipBytes -= declared;
        int read = 0, extra = 0;
        try
        {
            using Stream data = entry.Open();
            read = data.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            // One byte more than declared would mean the record lies about its size.
            Span<byte> probe = stackalloc byte[1];
            extra = data.Read(probe);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            // .NET's own InvalidDataException (a corrupt local header, a bad CRC) gets the file's name too.
            PickleReader.Throw(source, $"the record '{name}' cannot be read: {Reason(e)}");
        }

        if (read != bytes.Length)
        {
            PickleReader.Throw(source, $"the record '{name}' declares {declared} bytes but holds only {read}");
        }

        if (extra != 0)
        {
            PickleReader.Throw(source, $"the record '{name}' holds more than the {declared} bytes it declares");
        }
    }

    private static string Reason(Exception e) => e.Message.TrimEnd('.');

    /// <summary>The zip format's persistent id: ('storage', storage_type, key, location, numel).</summary>
    private static TorchStorage ZipStorage(object? id, Dictionary<string, TorchStorage> storages, string source)
    {
        if (id is not object?[] { Length: 5 } t || t[0] is not "storage")
        {
            PickleReader.Throw(source, $"a persistent id is a {PickleReader.Describe(id)}, expected ('storage', type, key, location, size)");
            return null;
        }

        (TorchDType dtype, string key, string location, long count) = StorageFields(t, source);
        return Intern(storages, new TorchStorage(key, dtype, location, count), source);
    }

    private static (TorchDType DType, string Key, string Location, long Count) StorageFields(object?[] t, string source)
    {
        if (t[1] is not PickleGlobal type || !PickleReader.StorageTypes.TryGetValue(type.Name, out TorchDType dtype))
        {
            PickleReader.Throw(source, $"a storage's type is a {PickleReader.Describe(t[1])}, expected a torch storage class");
            return default;
        }

        if (t[2] is not string key || t[3] is not string location || t[4] is not long count || count < 0)
        {
            PickleReader.Throw(source, "a storage's persistent id needs a string key, a string location and a size ≥ 0");
            return default;
        }

        if (count > long.MaxValue / 8)
        {
            PickleReader.Throw(source, $"storage '{PickleReader.Shorten(key)}' declares {count} elements");
        }

        return (dtype, key, location, count);
    }

    private static TorchStorage Intern(Dictionary<string, TorchStorage> storages, TorchStorage storage, string source)
    {
        if (storages.TryGetValue(storage.Key, out TorchStorage? known))
        {
            if (known.DType != storage.DType || known.ElementCount != storage.ElementCount)
            {
                PickleReader.Throw(source, $"storage '{PickleReader.Shorten(storage.Key)}' is declared twice, as {known.ElementCount} × {known.DType} and {storage.ElementCount} × {storage.DType}");
            }

            return known;
        }

        if (storages.Count >= 1 << 20)
        {
            PickleReader.Throw(source, "more than 1,048,576 storages");
        }

        storages.Add(storage.Key, storage);
        return storage;
    }

    private static object? ReadLegacy(Stream stream, long length, string source, Budget budget)
    {
        if (length > int.MaxValue)
        {
            PickleReader.Throw(source, $"a legacy-format file of {length} bytes is above the 2 GB this reader takes");
        }

        byte[] data = new byte[length];
        stream.ReadExactly(data);
        if (!data.AsSpan().StartsWith(LegacyMagic))
        {
            PickleReader.Throw(source, "the legacy format's magic number is wrong (the file starts like a pickle but is not a torch.save file)");
        }

        int position = LegacyMagic.Length;
        object? protocol = PickleReader.Load(data, ref position, data.Length, source, NoPersistentIds(source));
        if (protocol is not 1001L)
        {
            PickleReader.Throw(source, $"the legacy format's protocol version is {PickleReader.Describe(protocol)}, expected 1001");
        }

        object? systemInfo = PickleReader.Load(data, ref position, data.Length, source, NoPersistentIds(source));
        if (systemInfo is PickleDict info && info.Get("little_endian") is false)
        {
            PickleReader.Throw(source, "it was saved on a big-endian machine, which this reader does not support");
        }

        var roots = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        var views = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        object? root = PickleReader.Load(data, ref position, data.Length, source, id => LegacyStorage(id, roots, views, source));
        object? keys = PickleReader.Load(data, ref position, data.Length, source, NoPersistentIds(source));
        if (keys is not List<object?> keyList)
        {
            PickleReader.Throw(source, $"the storage keys are a {PickleReader.Describe(keys)}, expected a list");
            return null;
        }

        foreach (object? item in keyList)
        {
            if (item is not string key || !roots.TryGetValue(key, out TorchStorage? storage))
            {
                PickleReader.Throw(source, $"the storage keys list {PickleReader.Describe(item)}, which no tensor uses");
                return null;
            }

            if (storage.Bytes is not null)
            {
                PickleReader.Throw(source, $"storage '{PickleReader.Shorten(key)}' is listed twice");
            }

            if (data.Length - position < 8)
            {
                PickleReader.Throw(source, $"the file ends before storage '{PickleReader.Shorten(key)}'");
            }

            long count = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(position));
            position += 8;
            if (count != storage.ElementCount)
            {
                PickleReader.Throw(source, $"storage '{PickleReader.Shorten(key)}' holds {count} elements, but the pickle declares {storage.ElementCount}");
            }

            long bytes = count * TorchStorage.ElementSize(storage.DType);
            if (bytes > data.Length - position)
            {
                PickleReader.Throw(source, $"storage '{PickleReader.Shorten(key)}' needs {bytes} bytes but only {data.Length - position} are left");
            }

            storage.Bytes = data.AsSpan(position, (int)bytes).ToArray();
            position += (int)bytes;
        }

        return Materialize(root, source, budget);
    }

    private static Func<object?, object?> NoPersistentIds(string source) => _ =>
    {
        PickleReader.Throw(source, "a persistent id outside the main pickle");
        return null;
    };

    /// <summary>The legacy format's persistent id: ('storage', storage_type, root_key, location, numel, view_metadata).</summary>
    private static TorchStorage LegacyStorage(object? id, Dictionary<string, TorchStorage> roots, Dictionary<string, TorchStorage> views, string source)
    {
        if (id is not object?[] { Length: 6 } t || t[0] is not "storage")
        {
            PickleReader.Throw(source, $"a persistent id is a {PickleReader.Describe(id)}, expected ('storage', type, key, location, size, view)");
            return null;
        }

        (TorchDType dtype, string key, string location, long count) = StorageFields(t, source);
        TorchStorage root = Intern(roots, new TorchStorage(key, dtype, location, count), source);
        if (t[5] is null)
        {
            return root;
        }

        if (t[5] is not object?[] { Length: 3 } view || view[0] is not string viewKey || view[1] is not long offset || view[2] is not long size ||
            offset < 0 || size < 0 || offset > root.ElementCount || size > root.ElementCount - offset)
        {
            PickleReader.Throw(source, $"storage '{PickleReader.Shorten(key)}' has a view that is not (key, offset, size) inside its {root.ElementCount} elements");
            return null;
        }

        return Intern(views, new TorchStorage(viewKey, dtype, location, size, root, offset), source);
    }

    /// <summary>Replaces every tensor description by a dense float32 tensor; shared values stay shared, so the work is linear.</summary>
    private static object? Materialize(object? root, string source, Budget budget)
    {
        var done = new Dictionary<object, object?>(ReferenceEqualityComparer.Instance);
        return Convert(root, "", 0);

        object? Convert(object? node, string path, int depth)
        {
            if (node is null or bool or long or double or string or byte[] or PickleGlobal)
            {
                return node;
            }

            if (done.TryGetValue(node, out object? converted))
            {
                return converted;
            }

            if (depth > MaxDepth)
            {
                PickleReader.Throw(source, $"containers nest deeper than {MaxDepth} levels at '{PickleReader.Shorten(path)}'");
            }

            switch (node)
            {
                case TorchTensorRef tensor:
                    Tensor result = Gather(tensor, path, source, budget);
                    done.Add(node, result);
                    return result;
                case PickleDict dict:
                    var copy = new PickleDict(dict.IsOrdered);
                    done.Add(node, copy);
                    foreach ((object? key, object? value) in dict.Items)
                    {
                        copy.Set(key, Convert(value, Join(path, key), depth + 1));
                    }

                    return copy;
                case List<object?> list:
                    var items = new List<object?>(list.Count);
                    done.Add(node, items);
                    for (int i = 0; i < list.Count; i++)
                    {
                        items.Add(Convert(list[i], Join(path, (long)i), depth + 1));
                    }

                    return items;
                case object?[] tuple:
                    object?[] elements = new object?[tuple.Length];
                    done.Add(node, elements);
                    for (int i = 0; i < tuple.Length; i++)
                    {
                        elements[i] = Convert(tuple[i], Join(path, (long)i), depth + 1);
                    }

                    return elements;
                case TorchStorage:
                    PickleReader.Throw(source, $"'{PickleReader.Shorten(path)}' is a bare storage, not a tensor");
                    return null;
                default:
                    return node;
            }
        }
    }

    /// <summary>The dotted path of a dict key or list index below <paramref name="path"/>.</summary>
    internal static string Join(string path, object? key)
    {
        string name = key switch
        {
            string s => s,
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
            bool b => b ? "True" : "False",
            null => "None",
            _ => PickleReader.Describe(key),
        };
        return path.Length == 0 ? name : path + "." + name;
    }

    /// <summary>Gathers a strided view of its storage into a dense row-major float32 tensor.</summary>
    private static Tensor Gather(TorchTensorRef tensor, string path, string source, Budget budget)
    {
        string name = PickleReader.Shorten(path.Length == 0 ? "(the tensor)" : path);
        TorchStorage storage = tensor.Storage;
        if (!storage.Root.HasData)
        {
            PickleReader.Throw(source, $"tensor '{name}': its storage '{PickleReader.Shorten(storage.Key)}' has no data in the file");
        }

        int rank = tensor.Shape.Length;
        long count = 1;
        long last = tensor.StorageOffset;
        int[] shape = new int[rank];
        try
        {
            for (int d = 0; d < rank; d++)
            {
                if (tensor.Shape[d] > int.MaxValue)
                {
                    PickleReader.Throw(source, $"tensor '{name}': dimension {d} is {tensor.Shape[d]}, above 2^31");
                }

                shape[d] = (int)tensor.Shape[d];
                count = checked(count * tensor.Shape[d]);
                if (tensor.Shape[d] > 0)
                {
                    last = checked(last + ((tensor.Shape[d] - 1) * tensor.Stride[d]));
                }
            }
        }
        catch (OverflowException)
        {
            PickleReader.Throw(source, $"tensor '{name}': its size or strides overflow");
        }

        if (count > Array.MaxLength)
        {
            PickleReader.Throw(source, $"tensor '{name}' has {count} elements, more than a tensor can hold");
        }

        if (count > 0 && last >= storage.ElementCount)
        {
            PickleReader.Throw(source, $"tensor '{name}': size {FormatLongs(tensor.Shape)}, stride {FormatLongs(tensor.Stride)} and offset {tensor.StorageOffset} reach element {last}, beyond its storage of {storage.ElementCount}");
        }

        if (count * sizeof(float) > budget.FloatBytes)
        {
            PickleReader.Throw(source, $"tensor '{name}' of {count} elements takes the tensors beyond {budget.FloatBytes} more bytes, a multiple of the file's size (expanded views?)");
        }

        budget.FloatBytes -= count * sizeof(float);
        TorchDType dtype = storage.DType;
        long start = storage.RootOffset + tensor.StorageOffset;
        bool rowMajor = IsRowMajor(shape, tensor.Stride);
        TorchStorage root = storage.Root;
        if (root.Floats is not null && !root.FloatsTaken && start == 0 && count == root.Floats.Length && rowMajor)
        {
            // The usual case (one dense tensor per storage): the floats read from the file become the tensor's own.
            root.FloatsTaken = true;
            return Tensor.Wrap(root.Floats, shape);
        }

        float[] values = new float[count];
        ReadOnlySpan<byte> bytes = root.Data;
        int size = TorchStorage.ElementSize(dtype);
        if (values.Length > 0 && dtype == TorchDType.Float32 && BitConverter.IsLittleEndian && rowMajor)
        {
            // A state dict's float32 tensors are dense: one copy of their bytes (the per-element decode below took
            // most of a large file's read). The bounds were checked above, against the storage's declared length.
            MemoryMarshal.Cast<byte, float>(bytes.Slice((int)(start * sizeof(float)), values.Length * sizeof(float))).CopyTo(values);
            return Tensor.Wrap(values, shape);
        }

        int inner = rank == 0 ? 1 : shape[^1];
        long innerStride = rank == 0 ? 1 : tensor.Stride[^1];
        long[] index = new long[Math.Max(rank - 1, 0)];
        long rowStart = start;
        for (int done = 0; done < values.Length; done += inner)
        {
            long element = rowStart;
            for (int i = 0; i < inner; i++, element += innerStride)
            {
                values[done + i] = Decode(dtype, bytes.Slice((int)(element * size), size), name, source);
            }

            // Odometer over the outer dimensions.
            for (int d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                rowStart += tensor.Stride[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                rowStart -= index[d] * tensor.Stride[d];
                index[d] = 0;
            }
        }

        return Tensor.Wrap(values, shape);
    }

    /// <summary>Whether <paramref name="stride"/> is the row-major stride of <paramref name="shape"/> (dimensions of size 1 may have any stride).</summary>
    private static bool IsRowMajor(int[] shape, long[] stride)
    {
        long expected = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] != 1 && stride[d] != expected)
            {
                return false;
            }

            expected *= shape[d];
        }

        return true;
    }

    private static float Decode(TorchDType dtype, ReadOnlySpan<byte> b, string name, string source)
    {
        switch (dtype)
        {
            case TorchDType.Float32:
                return BinaryPrimitives.ReadSingleLittleEndian(b);
            case TorchDType.Float64:
                return (float)BinaryPrimitives.ReadDoubleLittleEndian(b);
            case TorchDType.Float16:
                return (float)BinaryPrimitives.ReadHalfLittleEndian(b);
            case TorchDType.BFloat16:
                return BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16);
            case TorchDType.UInt8:
                return b[0];
            case TorchDType.Int8:
                return (sbyte)b[0];
            case TorchDType.Bool:
                return b[0] != 0 ? 1f : 0f;
            case TorchDType.Int16:
                return BinaryPrimitives.ReadInt16LittleEndian(b);
            default:
                long value = dtype == TorchDType.Int32 ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b);
                float f = value;
                // Exact when the float converts back to the same integer (|value| ≤ 2^24 always is).
                if (f is >= 9.2233720368547758E18f or < -9.2233720368547758E18f || (long)f != value)
                {
                    PickleReader.Throw(source, $"tensor '{name}' ({dtype}) holds {value}, which float32 cannot represent exactly");
                }

                return f;
        }
    }

    private static string FormatLongs(long[] values) => "[" + string.Join(", ", values) + "]";
}
