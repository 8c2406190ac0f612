namespace LeNet.IO;

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, …)</c> describes
/// it: a strided view of a storage, gathered into a dense float32 <see cref="Tensor"/> once the storages are read.
/// </summary>
internal sealed class TorchTensorRef(TorchStorage storage, long storageOffset, long[] shape, long[] stride)
{
    public TorchStorage Storage { get; } = storage;

    /// <summary>The first element's index in the storage, in elements.</summary>
    public long StorageOffset { get; } = storageOffset;

    public long[] Shape { get; } = shape;

    /// <summary>The step between neighbours along each dimension, in elements (row-major contiguous: the suffix products of the shape).</summary>
    public long[] Stride { get; } = stride;
}
