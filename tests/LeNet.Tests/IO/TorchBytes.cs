using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LeNet.Tests.IO;

/// <summary>Hand-made pickles and torch zip archives for the hardening tests, written from the pickle and torch.save formats.</summary>
internal static class TorchBytes
{
    /// <summary>Concatenates parts: a string is its ASCII bytes, a byte a single byte, a byte[] itself.</summary>
    public static byte[] P(params object[] parts)
    {
        var stream = new MemoryStream();
        foreach (object part in parts)
        {
            switch (part)
            {
                case string s:
                    stream.Write(Encoding.ASCII.GetBytes(s));
                    break;
                case byte b:
                    stream.WriteByte(b);
                    break;
                case int i:
                    stream.WriteByte(checked((byte)i));
                    break;
                case byte[] bytes:
                    stream.Write(bytes);
                    break;
                default:
                    throw new ArgumentException($"unknown part {part}");
            }
        }

        return stream.ToArray();
    }

    /// <summary>BINUNICODE text.</summary>
    public static byte[] U(string text)
    {
        byte[] raw = Encoding.UTF8.GetBytes(text);
        byte[] length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, raw.Length);
        return P("X", length, raw);
    }

    /// <summary>BININT.</summary>
    public static byte[] I(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return P("J", bytes);
    }

    /// <summary>A LONG1 of 8 bytes.</summary>
    public static byte[] L(long value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return P(0x8a, 8, bytes);
    }

    /// <summary>A tuple of the integers (MARK … TUPLE).</summary>
    public static byte[] Tuple(params long[] values) => P("(", values.SelectMany(L).ToArray(), "t");

    /// <summary>
    /// The pickle torch.save writes for <c>{name: tensor}</c>: an OrderedDict whose value is
    /// <c>_rebuild_tensor_v2(persistent_id, offset, size, stride, False, OrderedDict())</c>.
    /// </summary>
    public static byte[] TensorPickle(string name, string storageType, string key, long numel, long offset, long[] size, long[] stride, bool legacy = false) =>
        P(0x80, 2, "ccollections\nOrderedDict\n)R(", U(name), "ctorch._utils\n_rebuild_tensor_v2\n(",
            "(", U("storage"), $"ctorch\n{storageType}\n", U(key), U("cpu"), L(numel), legacy ? "N" : "", "tQ",
            L(offset), Tuple(size), Tuple(stride), 0x89, "ccollections\nOrderedDict\n)Rt", "R", "u.");

    /// <summary>A zip archive of the records (stored, or deflated when asked).</summary>
    public static byte[] Zip(CompressionLevel level, params (string Name, byte[] Data)[] records)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] data) in records)
            {
                using Stream entry = zip.CreateEntry(name, level).Open();
                entry.Write(data);
            }
        }

        return stream.ToArray();
    }

    /// <summary>A torch zip file of one pickle and its storages (data/0, …), folder "archive".</summary>
    public static byte[] TorchZip(byte[] pickle, params byte[][] storages) =>
        Zip(CompressionLevel.NoCompression, [("archive/data.pkl", pickle), .. storages.Select((s, i) => ($"archive/data/{i}", s)), ("archive/version", "3\n"u8.ToArray())]);

    public static byte[] Floats(params float[] values)
    {
        byte[] bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>A legacy-format file: magic, protocol 1001, sys info, the main pickle, the keys, then each storage (count, bytes).</summary>
    public static byte[] Legacy(byte[] main, string[] keys, params (long Count, byte[] Data)[] storages)
    {
        byte[] magic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
        byte[] protocol = P(0x80, 2, "M", 0xe9, 0x03, ".");
        byte[] info = P(0x80, 2, "}(", U("protocol_version"), "M", 0xe9, 0x03, U("little_endian"), 0x88, "u.");
        byte[] keyList = P(0x80, 2, "](", keys.SelectMany(U).ToArray(), "e.");
        var stream = new MemoryStream();
        stream.Write(magic);
        stream.Write(protocol);
        stream.Write(info);
        stream.Write(main);
        stream.Write(keyList);
        foreach ((long count, byte[] data) in storages)
        {
            byte[] length = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, count);
            stream.Write(length);
            stream.Write(data);
        }

        return stream.ToArray();
    }
}
