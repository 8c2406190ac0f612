using System.Numerics.Tensors;

namespace LeNet.Data;

/// <summary>
/// The contents of one IDX file: its element type, its shape and its values in row-major order, already
/// converted from the file's big-endian order to the machine's. <see cref="IdxReader"/> makes these.
/// </summary>
public sealed class IdxArray
{
    // One of byte[], sbyte[], short[], int[], float[] or double[], matching _dataType.
    private readonly Array _data;
    private readonly int[] _shape;
    private readonly IdxDataType _dataType;

    internal IdxArray(IdxDataType dataType, int[] shape, Array data)
    {
        _dataType = dataType;
        _shape = shape;
        _data = data;
    }

    /// <summary>The element type the file declared.</summary>
    public IdxDataType DataType => _dataType;

    /// <summary>The size of each dimension, outermost first (for MNIST's images: count, rows, columns).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length => _data.Length;

    /// <summary>
    /// The values, in row-major order, as a span of the element type: <see cref="byte"/> for
    /// <see cref="IdxDataType.UInt8"/>, <see cref="sbyte"/>, <see cref="short"/>, <see cref="int"/>,
    /// <see cref="float"/> or <see cref="double"/> for the others.
    /// </summary>
    /// <typeparam name="T">The .NET type of <see cref="DataType"/>.</typeparam>
    /// <returns>A read-only span of <see cref="Length"/> elements over the array's own storage.</returns>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the type of <see cref="DataType"/>.</exception>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        // An exact type test: the runtime lets an sbyte[] pass for a byte[] (and the other way round).
        if (_data.GetType() == typeof(T[]))
        {
            return (T[])_data;
        }

        throw new InvalidOperationException(
            $"This IDX array holds {IdxReader.TypeName(_dataType)} values ({ClrTypeName(_dataType)}); read it with AsSpan<{ClrTypeName(_dataType)}>().");
    }

    /// <summary>
    /// Converts the values to a new <see cref="float"/> tensor of the same shape, value for value (no
    /// scaling: an unsigned byte 255 becomes 255f).
    /// </summary>
    /// <returns>A new tensor of shape <see cref="Shape"/>.</returns>
    public Tensor ToTensor()
    {
        var result = new float[_data.Length];

        // By the declared type, not by pattern matching on the array: an sbyte[] also matches byte[].
        switch (_dataType)
        {
            case IdxDataType.UInt8:
                TensorPrimitives.ConvertTruncating<byte, float>((byte[])_data, result);
                break;
            case IdxDataType.Int8:
                TensorPrimitives.ConvertTruncating<sbyte, float>((sbyte[])_data, result);
                break;
            case IdxDataType.Int16:
                TensorPrimitives.ConvertTruncating<short, float>((short[])_data, result);
                break;
            case IdxDataType.Int32:
                TensorPrimitives.ConvertTruncating<int, float>((int[])_data, result);
                break;
            case IdxDataType.Float32:
                ((float[])_data).CopyTo(result, 0);
                break;
            default:
                TensorPrimitives.ConvertTruncating<double, float>((double[])_data, result);
                break;
        }

        return Tensor.FromArray(result, _shape);
    }

    /// <summary>Describes the array by its type and shape, e.g. <c>IdxArray(ubyte)[60000, 28, 28]</c>.</summary>
    /// <returns>The type name and the shape.</returns>
    public override string ToString() => $"IdxArray({IdxReader.TypeName(_dataType)}){Tensor.FormatShape(_shape)}";

    /// <summary>The storage array itself, for the library's loaders (no copy).</summary>
    internal Array Data => _data;

    private static string ClrTypeName(IdxDataType type) => type switch
    {
        IdxDataType.UInt8 => "byte",
        IdxDataType.Int8 => "sbyte",
        IdxDataType.Int16 => "short",
        IdxDataType.Int32 => "int",
        IdxDataType.Float32 => "float",
        _ => "double",
    };
}
