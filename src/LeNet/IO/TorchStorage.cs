namespace LeNet.IO;

/// <summary>
/// A storage a pickle refers to by persistent id (<c>('storage', torch.FloatStorage, '0', 'cpu', 6)</c>):
/// its key in the archive, element type, device tag (ignored: everything loads on the CPU) and length in
/// elements. Tensors sharing a key share the storage. A legacy-format view storage is a window of
/// <see cref="ElementCount"/> elements at <see cref="RootOffset"/> of its <see cref="Root"/>.
/// </summary>
internal sealed class TorchStorage
{
    public TorchStorage(string key, TorchDType dtype, string location, long elementCount, TorchStorage? root = null, long rootOffset = 0)
    {
        Key = key;
        DType = dtype;
        Location = location;
        ElementCount = elementCount;
        Root = root ?? this;
        RootOffset = rootOffset;
    }

    /// <summary>The archive key (zip: <c>data/{key}</c>; legacy: the storage's key).</summary>
    public string Key { get; }

    public TorchDType DType { get; }

    /// <summary>The device tag as saved (<c>cpu</c>, <c>cuda:0</c>); ignored.</summary>
    public string Location { get; }

    /// <summary>The storage's length in elements.</summary>
    public long ElementCount { get; }

    /// <summary>The storage holding the bytes: this one, or for a legacy view, the storage it is a window of.</summary>
    public TorchStorage Root { get; }

    /// <summary>Where this storage starts in <see cref="Root"/>, in elements (0 for a root).</summary>
    public long RootOffset { get; }

    /// <summary>The raw little-endian bytes of a root storage, once read (null when it was read as <see cref="Floats"/>).</summary>
    public byte[]? Bytes { get; set; }

    /// <summary>A little-endian machine's float32 root storage, read straight into floats (no byte array in between).</summary>
    public float[]? Floats { get; set; }

    /// <summary>Whether <see cref="Floats"/> became a tensor's own array (a second tensor over the storage copies it).</summary>
    public bool FloatsTaken { get; set; }

    /// <summary>Whether the root storage's data has been read.</summary>
    public bool HasData => Bytes is not null || Floats is not null;

    /// <summary>The root storage's bytes, little-endian, however they were read.</summary>
    public ReadOnlySpan<byte> Data => Floats is not null ? System.Runtime.InteropServices.MemoryMarshal.AsBytes(Floats.AsSpan()) : Bytes;

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(TorchDType dtype) => dtype switch
    {
        TorchDType.Float64 or TorchDType.Int64 => 8,
        TorchDType.Float32 or TorchDType.Int32 => 4,
        TorchDType.Float16 or TorchDType.BFloat16 or TorchDType.Int16 => 2,
        _ => 1,
    };
}
