namespace LeNet.IO;

/// <summary>The element types of torch storages (<c>torch.FloatStorage</c> → Float32, …).</summary>
internal enum TorchDType
{
    Float32,
    Float64,
    Float16,
    BFloat16,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}
