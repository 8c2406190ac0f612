using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace LeNet.IO;

/// <summary>
/// Writes a state dict in the zip format of <c>torch.save</c>: <c>archive/data.pkl</c> (a protocol-2
/// pickle of an <c>OrderedDict</c> whose values are <c>torch._utils._rebuild_tensor_v2</c> calls, as
/// PyTorch writes it), <c>archive/byteorder</c>, one <c>archive/data/{i}</c> record per tensor and
/// <c>archive/version</c>. Everything is validated and the pickle built before the disk is touched.
/// </summary>
internal sealed class TorchFileWriter
{
    /// <summary>The archive's folder name, as PyTorch ≥ 2 writes it.</summary>
    public const string Folder = "archive";

    private readonly List<(string Name, Tensor Tensor, bool IsLong)> _items;
    private readonly byte[] _pickle;

    private TorchFileWriter(List<(string Name, Tensor Tensor, bool IsLong)> items, byte[] pickle)
    {
        _items = items;
        _pickle = pickle;
    }

    public static TorchFileWriter Prepare(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var items = new List<(string Name, Tensor Tensor, bool IsLong)>();
        foreach ((string name, Tensor tensor) in stateDict)
        {
            if (tensor is null)
            {
                throw new ArgumentException($"TorchFile.Write: tensor '{name}' is null.", nameof(stateDict));
            }

            bool isLong = name.EndsWith("num_batches_tracked", StringComparison.Ordinal);
            if (isLong)
            {
                foreach (float value in tensor.AsReadOnlySpan())
                {
                    if (value != MathF.Round(value) || !float.IsFinite(value))
                    {
                        throw new ArgumentException($"TorchFile.Write: '{name}' is written as int64, as PyTorch keeps it, but holds {value}, not an integer.", nameof(stateDict));
                    }
                }
            }

            items.Add((name, tensor, isLong));
        }

        return new TorchFileWriter(items, BuildPickle(items));
    }

    public void WriteTo(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteRecord(zip, "data.pkl", _pickle);
        WriteRecord(zip, "byteorder", "little"u8.ToArray());
        for (int i = 0; i < _items.Count; i++)
        {
            (_, Tensor tensor, bool isLong) = _items[i];
            ReadOnlySpan<float> values = tensor.AsReadOnlySpan();
            byte[] bytes = new byte[values.Length * (isLong ? sizeof(long) : sizeof(float))];
            for (int j = 0; j < values.Length; j++)
            {
                if (isLong)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(j * sizeof(long)), (long)values[j]);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * sizeof(float)), values[j]);
                }
            }

            WriteRecord(zip, "data/" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), bytes);
        }

        WriteRecord(zip, "version", "3\n"u8.ToArray());
    }

    private static void WriteRecord(ZipArchive zip, string name, byte[] bytes)
    {
        ZipArchiveEntry entry = zip.CreateEntry(Folder + "/" + name, CompressionLevel.NoCompression);
        // A fixed time keeps the output reproducible.
        entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using Stream data = entry.Open();
        data.Write(bytes);
    }

    /// <summary>The pickle of <c>OrderedDict([(name, _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())), …])</c>.</summary>
    private static byte[] BuildPickle(List<(string Name, Tensor Tensor, bool IsLong)> items)
    {
        var p = new MemoryStream();
        p.Write([0x80, 0x02]); // PROTO 2
        Global(p, "collections", "OrderedDict");
        p.WriteByte((byte)')'); // EMPTY_TUPLE
        p.WriteByte((byte)'R'); // REDUCE
        p.WriteByte((byte)'(');  // MARK
        for (int i = 0; i < items.Count; i++)
        {
            (string name, Tensor tensor, bool isLong) = items[i];
            bool scalar = isLong && tensor.Length == 1;
            Unicode(p, name);
            Global(p, "torch._utils", "_rebuild_tensor_v2");
            p.WriteByte((byte)'(');
            // The persistent id ('storage', torch.FloatStorage, key, 'cpu', numel).
            p.WriteByte((byte)'(');
            Unicode(p, "storage");
            Global(p, "torch", isLong ? "LongStorage" : "FloatStorage");
            Unicode(p, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Unicode(p, "cpu");
            Int(p, tensor.Length);
            p.WriteByte((byte)'t'); // TUPLE
            p.WriteByte((byte)'Q'); // BINPERSID
            Int(p, 0); // storage offset
            ReadOnlySpan<int> shape = scalar ? [] : tensor.Shape;
            long[] stride = new long[shape.Length];
            long step = 1;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                stride[d] = step;
                step *= Math.Max(shape[d], 1);
            }

            p.WriteByte((byte)'(');
            foreach (int dim in shape)
            {
                Int(p, dim);
            }

            p.WriteByte((byte)'t');
            p.WriteByte((byte)'(');
            foreach (long s in stride)
            {
                Int(p, (int)s);
            }

            p.WriteByte((byte)'t');
            p.WriteByte(0x89); // NEWFALSE: requires_grad
            Global(p, "collections", "OrderedDict"); // backward_hooks = OrderedDict()
            p.WriteByte((byte)')');
            p.WriteByte((byte)'R');
            p.WriteByte((byte)'t');
            p.WriteByte((byte)'R');
        }

        p.WriteByte((byte)'u'); // SETITEMS
        p.WriteByte((byte)'.'); // STOP
        return p.ToArray();
    }

    private static void Global(MemoryStream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes(module + "\n" + name + "\n"));
    }

    private static void Unicode(MemoryStream p, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        p.WriteByte((byte)'X');
        p.Write(length);
        p.Write(bytes);
    }

    private static void Int(MemoryStream p, int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        p.WriteByte((byte)'J'); // BININT
        p.Write(bytes);
    }
}
