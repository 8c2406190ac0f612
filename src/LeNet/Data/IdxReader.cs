using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LeNet.Data;

/// <summary>
/// Reads IDX files, the format of MNIST and Fashion-MNIST: a magic number (two zero bytes, a type code,
/// a dimension count), one big-endian 32-bit size per dimension, then the values in row-major order,
/// big-endian. Plain and gzip-compressed files are both read; gzip is recognised by its magic bytes
/// <c>1f 8b</c>, whatever the file is called.
/// </summary>
/// <remarks>
/// <para>
/// Anything that is not a well-formed IDX file throws <see cref="InvalidDataException"/> with a message
/// naming the file, the problem, and what was expected and found: an unknown magic number or type code,
/// zero or more than <see cref="MaxDimensions"/> dimensions, a shape with more elements than an array
/// holds, a truncated header or body, corrupt gzip data. Like torchvision's reader, the file must end
/// where its data ends: trailing bytes are an error too, since they usually mean a wrong header.
/// </para>
/// <para>
/// Memory follows the data actually present, never only the header's claim: a plain file's declared size
/// is checked against its length before anything is allocated, and a compressed or unseekable stream is
/// read in chunks into a buffer that grows (up to the declared size) only as data arrives. A 20-byte file
/// that declares a billion elements fails after allocating at most 64 KiB.
/// </para>
/// </remarks>
public static class IdxReader
{
    /// <summary>The most dimensions a file may declare; the format's byte allows 255, real files use 1 to 4.</summary>
    public const int MaxDimensions = 32;

    /// <summary>The most bytes one read asks for.</summary>
    private const int ChunkBytes = 1 << 20;

    /// <summary>The first size of the buffer when the length is unknown; it doubles as data arrives.</summary>
    private const int InitialBytes = 64 << 10;

    /// <summary>Reads the IDX file at <paramref name="path"/>, plain or gzip-compressed.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The file's type, shape and values.</returns>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file; the message names the file and the problem.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        return Read(stream, path);
    }

    /// <summary>
    /// Reads an IDX file, plain or gzip-compressed, from the current position of <paramref name="stream"/>
    /// to its end. The stream is left open.
    /// </summary>
    /// <param name="stream">A readable stream; when it can seek, its length is checked against the header before any allocation.</param>
    /// <param name="sourceName">What to call the data in error messages, typically its file name.</param>
    /// <returns>The file's type, shape and values.</returns>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX file; the message names <paramref name="sourceName"/> and the problem.</exception>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanRead)
        {
            throw new ArgumentException($"IdxReader.Read: the stream for {sourceName} is not readable.", nameof(stream));
        }

        Span<byte> head = stackalloc byte[2];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool gzip = got == 2 && head[0] == 0x1F && head[1] == 0x8B;
        Stream body;
        if (stream.CanSeek)
        {
            stream.Seek(-got, SeekOrigin.Current);
            body = stream;
        }
        else
        {
            body = new PrefixedStream(head[..got].ToArray(), stream);
        }

        if (gzip)
        {
            using var decompressed = new GZipStream(body, CompressionMode.Decompress, leaveOpen: true);
            return ReadIdx(decompressed, available: null, sourceName);
        }

        return ReadIdx(body, stream.CanSeek ? stream.Length - stream.Position : null, sourceName);
    }

    /// <summary>The IDX name of a type code, as the format's description spells it.</summary>
    internal static string TypeName(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 => "ubyte",
        IdxDataType.Int8 => "sbyte",
        IdxDataType.Int16 => "short",
        IdxDataType.Int32 => "int",
        IdxDataType.Float32 => "float",
        IdxDataType.Float64 => "double",
        _ => "0x" + ((byte)type).ToString("X2", CultureInfo.InvariantCulture),
    };

    /// <summary>Parses the header, then the data; <paramref name="available"/> is the byte count left when known.</summary>
    private static IdxArray ReadIdx(Stream stream, long? available, string source)
    {
        Span<byte> magicBytes = stackalloc byte[4];
        int got = ReadBlock(stream, magicBytes, source);
        if (got == 0)
        {
            Throw(source, "the file is empty; an IDX file starts with a 4-byte magic number such as 0x00000803");
        }

        if (got < magicBytes.Length)
        {
            Throw(source, $"the file ends after {got} bytes, inside the 4-byte magic number");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(magicBytes);
        if (magicBytes[0] != 0 || magicBytes[1] != 0)
        {
            Throw(source, $"bad magic number 0x{magic:X8}: expected two zero bytes, a type code and a dimension count, such as 0x00000803");
        }

        var type = (IdxDataType)magicBytes[2];
        int elementSize = ElementSize(type);
        if (elementSize == 0)
        {
            Throw(source, $"unknown data type code 0x{magicBytes[2]:X2} in magic number 0x{magic:X8}; expected 0x08 (ubyte), 0x09 (sbyte), 0x0B (short), 0x0C (int), 0x0D (float) or 0x0E (double)");
        }

        int rank = magicBytes[3];
        if (rank is 0 or > MaxDimensions)
        {
            Throw(source, $"magic number 0x{magic:X8} declares {rank} dimensions; expected 1 to {MaxDimensions}");
        }

        Span<byte> sizeBytes = stackalloc byte[4 * MaxDimensions];
        sizeBytes = sizeBytes[..(4 * rank)];
        got = ReadBlock(stream, sizeBytes, source);
        if (got < sizeBytes.Length)
        {
            Throw(source, $"the header is truncated: {rank} dimension sizes need {sizeBytes.Length} bytes after the magic number, got {got}");
        }

        var shape = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(sizeBytes[(4 * i)..]);
            if (size > int.MaxValue)
            {
                Throw(source, $"dimension {i} has size {size}, more than the largest supported ({int.MaxValue})");
            }

            shape[i] = (int)size;

            // Both factors are at most 2^31, so the product fits in a long; a zero dimension later on
            // still makes the whole shape empty.
            count = Math.Min(count * size, (long)Array.MaxLength + 1);
        }

        if (count > Array.MaxLength)
        {
            Throw(source, $"the shape {Tensor.FormatShape(shape)} has more elements than an array can hold ({Array.MaxLength})");
        }

        var header = new Header(source, type, shape, 4 + sizeBytes.Length);
        long? dataAvailable = available - header.Bytes;
        Array data = type switch
        {
            IdxDataType.UInt8 => ReadElements<byte>(stream, (int)count, dataAvailable, header),
            IdxDataType.Int8 => ReadElements<sbyte>(stream, (int)count, dataAvailable, header),
            IdxDataType.Int16 => ReadElements<short>(stream, (int)count, dataAvailable, header),
            IdxDataType.Int32 => ReadElements<int>(stream, (int)count, dataAvailable, header),
            IdxDataType.Float32 => ReadElements<float>(stream, (int)count, dataAvailable, header),
            _ => ReadElements<double>(stream, (int)count, dataAvailable, header),
        };

        if (BitConverter.IsLittleEndian)
        {
            ToMachineOrder(data);
        }

        return new IdxArray(type, shape, data);
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements. With a known <paramref name="available"/> byte count the
    /// size is checked first and the array allocated once; otherwise the array starts at 64 KiB and
    /// doubles (up to <paramref name="count"/>) only when the data has filled it, so memory stays within
    /// twice what the stream really held.
    /// </summary>
    private static T[] ReadElements<T>(Stream stream, int count, long? available, Header header)
        where T : unmanaged
    {
        int elementSize = Unsafe.SizeOf<T>();
        long expected = (long)count * elementSize;
        if (available is long known)
        {
            if (known < expected)
            {
                ThrowTruncated(header, expected, known);
            }

            if (known > expected)
            {
                ThrowTrailing(header, expected, $"{known - expected} more bytes follow");
            }
        }

        int chunk = ChunkBytes / elementSize;
        var data = new T[available is null ? Math.Min(count, InitialBytes / elementSize) : count];
        int filled = 0;
        while (filled < count)
        {
            if (filled == data.Length)
            {
                Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
            }

            int want = Math.Min(data.Length - filled, chunk);
            Span<byte> target = MemoryMarshal.AsBytes(data.AsSpan(filled, want));
            int got = ReadBlock(stream, target, header.Source);
            if (got < target.Length)
            {
                ThrowTruncated(header, expected, ((long)filled * elementSize) + got);
            }

            filled += want;
        }

        Span<byte> probe = stackalloc byte[1];
        if (ReadBlock(stream, probe, header.Source) != 0)
        {
            ThrowTrailing(header, expected, "more data follows");
        }

        return data;
    }

    /// <summary>Swaps each multi-byte element from the file's big-endian order, in place.</summary>
    private static void ToMachineOrder(Array data)
    {
        switch (data)
        {
            case short[] values:
                BinaryPrimitives.ReverseEndianness(values, values);
                break;
            case int[] values:
                BinaryPrimitives.ReverseEndianness(values, values);
                break;
            case float[] values:
                Span<int> floatBits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(floatBits, floatBits);
                break;
            case double[] values:
                Span<long> doubleBits = MemoryMarshal.Cast<double, long>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(doubleBits, doubleBits);
                break;
            default:
                break;
        }
    }

    private static int ElementSize(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 or IdxDataType.Int8 => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => 0,
    };

    /// <summary>Fills <paramref name="buffer"/> unless the stream ends first; corrupt gzip data becomes an error naming the file.</summary>
    private static int ReadBlock(Stream stream, Span<byte> buffer, string source)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: not a valid IDX file: the gzip data is corrupt ({e.Message}).", e);
        }
    }

    [DoesNotReturn]
    private static void Throw(string source, string problem) =>
        throw new InvalidDataException($"{source}: not a valid IDX file: {problem}.");

    [DoesNotReturn]
    private static void ThrowTruncated(Header header, long expected, long actual) =>
        Throw(header.Source, $"the data is truncated: shape {Tensor.FormatShape(header.Shape)} of {TypeName(header.Type)} needs {expected} bytes after the {header.Bytes}-byte header, but only {actual} follow");

    [DoesNotReturn]
    private static void ThrowTrailing(Header header, long expected, string actual) =>
        Throw(header.Source, $"trailing data: shape {Tensor.FormatShape(header.Shape)} of {TypeName(header.Type)} needs {expected} bytes after the {header.Bytes}-byte header, but {actual} (the file must end with its data)");

    /// <summary>What the error messages about the data need to know of the header.</summary>
    private readonly record struct Header(string Source, IdxDataType Type, int[] Shape, int Bytes);
}
