namespace LeNet.IO;

/// <summary>
/// Reads and writes PyTorch's <c>torch.save</c> files (<c>.pt</c>, <c>.pth</c>): the tensors of a state dict
/// (or of a checkpoint holding one) by their dotted state-dict paths, without Python and without running
/// any code from the file.
/// </summary>
/// <remarks>
/// <para>
/// Formats: the zip format of PyTorch ≥ 1.6 (whatever the archive's folder name, with or without its
/// <c>byteorder</c> record; a file saved on a big-endian machine, <c>byteorder</c> <c>big</c>, has its storages
/// byte-swapped) and the legacy format of older PyTorch (or <c>_use_new_zipfile_serialization=False</c>).
/// Storages of float32, float64, float16 and bfloat16 become float32; integer and bool storages too when
/// every value is exact in float32 (<c>num_batches_tracked</c>). Shared storages, storage offsets and
/// strides (views) are honoured; the device tag is ignored, so a <c>cuda:0</c> file loads on the CPU.
/// </para>
/// <para>
/// Safety: the pickle is read by a restricted unpickler with an allow-list like PyTorch's
/// <c>weights_only=True</c> loader (<c>collections.OrderedDict</c>, the tensor and parameter rebuild
/// functions, storage classes, dtypes, plain containers and scalars). Any other global — a pickled class,
/// <c>os.system</c>, <c>builtins.eval</c> — is refused with an <see cref="InvalidDataException"/> naming it
/// when the pickle names it, before anything is called; a whole pickled module (<c>torch.save(model)</c>)
/// is refused naming its class. Hostile input cannot make the reader hang, recurse without bound or
/// allocate much beyond the file's size: lengths are checked against the bytes present, zip records are
/// read with a cap, storages must match their declared sizes.
/// </para>
/// </remarks>
public static class TorchFile
{
    /// <summary>The most entries (tensors, values, containers) a file's object tree may have when walked.</summary>
    private const int MaxEntries = 1 << 20;

    /// <summary>
    /// Reads every tensor of a <c>torch.save</c> file by its dotted path: a state dict's own keys
    /// (<c>conv1.weight</c>), nested dicts and lists joined with dots (<c>model_state_dict.conv1.weight</c>,
    /// <c>optimizer_state_dict.state.0.exp_avg</c>). Values that are not tensors (an epoch number) are left out.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>Path → float32 tensor, in the file's order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid torch.save file, refers to a global outside the allow-list, or holds a tensor that float32 cannot represent; the message names the problem.</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(string path) => Flatten(ReadObject(path), $"'{path}'");

    /// <summary>Reads every tensor of a <c>torch.save</c> file from <paramref name="stream"/> (from its position to its end; the stream stays open).</summary>
    /// <param name="stream">A readable stream; one that cannot seek is first copied to memory.</param>
    /// <returns>Path → float32 tensor, in the file's order.</returns>
    /// <exception cref="InvalidDataException">The content is not a valid torch.save file, or is refused (see <see cref="Read(string)"/>).</exception>
    public static IReadOnlyDictionary<string, Tensor> Read(Stream stream) => Flatten(ReadObject(stream, "(stream)"), "(stream)");

    /// <summary>
    /// Writes <paramref name="stateDict"/> as a <c>torch.save</c> zip file that
    /// <c>torch.load(path, weights_only=True)</c> reads back as an <c>OrderedDict</c> of tensors, atomically
    /// (a failure part-way leaves any previous file intact). Tensors are float32, except those whose key
    /// ends with <c>num_batches_tracked</c>, which are written as int64 (a scalar when they hold one value), as PyTorch keeps them.
    /// </summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="stateDict">Name → tensor, e.g. <see cref="Layers.Module.StateDict"/>, written in its enumeration order.</param>
    /// <exception cref="ArgumentException">A tensor is null, or a <c>num_batches_tracked</c> value is not an integer.</exception>
    /// <exception cref="IOException">The file could not be written.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TorchFileWriter writer = TorchFileWriter.Prepare(stateDict);
        AtomicFile.Write(path, writer.WriteTo);
    }

    /// <summary>Writes <paramref name="stateDict"/> as a <c>torch.save</c> zip file to <paramref name="stream"/>, which stays open.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="stateDict">Name → tensor, written in its enumeration order.</param>
    /// <exception cref="ArgumentException">The stream cannot be written, a tensor is null, or a <c>num_batches_tracked</c> value is not an integer.</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("TorchFile.Write: the stream cannot be written.", nameof(stream));
        }

        TorchFileWriter.Prepare(stateDict).WriteTo(stream);
    }

    /// <summary>Whether the bytes start a torch.save file (a zip archive, or the legacy format's pickle magic).</summary>
    internal static bool IsTorchFile(ReadOnlySpan<byte> prefix) => TorchArchive.IsTorchFile(prefix);

    /// <summary>
    /// The file's unpickled object tree: dicts as <see cref="PickleDict"/> (entries in order), lists as
    /// <c>List&lt;object?&gt;</c>, tuples as <c>object?[]</c>, tensors as float32 <see cref="Tensor"/>s,
    /// scalars as bool/long/double/string, allowed globals (dtypes) as <see cref="PickleGlobal"/>.
    /// </summary>
    internal static object? ReadObject(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return TorchArchive.Read(stream, $"'{path}'");
    }

    /// <summary>As <see cref="ReadObject(string)"/>, from a stream (from its position to its end).</summary>
    internal static object? ReadObject(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("TorchFile.Read: the stream cannot be read.", nameof(stream));
        }

        if (stream.CanSeek)
        {
            return TorchArchive.Read(stream, source);
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return TorchArchive.Read(copy, source);
    }

    /// <summary>Every tensor of an object tree by dotted path (a bare tensor is named <c>""</c>).</summary>
    internal static IReadOnlyDictionary<string, Tensor> Flatten(object? root, string source)
    {
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        var keys = new List<object?>();
        long visits = 0;
        Walk(root, 0);
        return result;

        string Path() => keys.Aggregate("", TorchArchive.Join);

        void Walk(object? node, int depth)
        {
            // Shared containers are walked once per path, as Python would list them; the count stops a pickle
            // whose memo makes a tree of exponential size out of a few bytes. The path is built only for tensors.
            if (++visits > MaxEntries)
            {
                PickleReader.Throw(source, $"the object tree has more than 1,048,576 entries (shared containers repeated?)");
            }

            if (depth > 100)
            {
                PickleReader.Throw(source, $"containers nest deeper than 100 levels at '{PickleReader.Shorten(Path())}'");
            }

            switch (node)
            {
                case Tensor tensor:
                    string path = Path();
                    if (!result.TryAdd(path, tensor))
                    {
                        PickleReader.Throw(source, $"two tensors have the path '{PickleReader.Shorten(path)}'");
                    }

                    break;
                case PickleDict dict:
                    foreach ((object? key, object? value) in dict.Items)
                    {
                        Child(value, key, depth);
                    }

                    break;
                case List<object?> list:
                    for (int i = 0; i < list.Count; i++)
                    {
                        Child(list[i], (long)i, depth);
                    }

                    break;
                case object?[] tuple:
                    for (int i = 0; i < tuple.Length; i++)
                    {
                        Child(tuple[i], (long)i, depth);
                    }

                    break;
            }
        }

        void Child(object? node, object? key, int depth)
        {
            keys.Add(key);
            Walk(node, depth + 1);
            keys.RemoveAt(keys.Count - 1);
        }
    }
}
