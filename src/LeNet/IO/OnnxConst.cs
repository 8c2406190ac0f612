using System.Globalization;

namespace LeNet.IO;

/// <summary>
/// A small integer or floating-point value of an imported ONNX graph that is not a tensor of the forward's data:
/// an initializer of int64 values, a <c>Constant</c> node's output, or shape arithmetic (<c>Shape</c> →
/// <c>Gather</c> → <c>Unsqueeze</c> → <c>Concat</c> …) computed from the input's shape on every forward.
/// </summary>
/// <remarks>Values are held as doubles (exact for the integers of shapes); integer division truncates, as ONNX's does.</remarks>
internal sealed class OnnxConst
{
    /// <summary>The most elements a constant may hold, so that hostile shapes cannot exhaust memory.</summary>
    public const int MaxElements = 1 << 16;

    private Tensor? _tensor;

    public OnnxConst(double[] data, int[] dims, bool isInt)
    {
        Data = data;
        Dims = dims;
        IsInt = isInt;
    }

    public double[] Data { get; }

    public int[] Dims { get; }

    /// <summary>Whether the ONNX element type is an integer one (int64, int32, bool).</summary>
    public bool IsInt { get; }

    public long[] Longs => [.. Data.Select(d => (long)d)];

    /// <summary>The value as a float tensor (created once), for an operation that mixes it with data.</summary>
    public Tensor AsTensor() => _tensor ??= Tensor.FromArray([.. Data.Select(d => (float)d)], Dims);

    public override string ToString() =>
        $"[{string.Join(", ", Data.Take(8).Select(d => d.ToString(CultureInfo.InvariantCulture)))}{(Data.Length > 8 ? ", …" : "")}] of shape {Tensor.FormatShape(Dims)}";

    /// <summary>A scalar's only value.</summary>
    public static OnnxConst Scalar(double value, bool isInt) => new([value], [], isInt);

    /// <summary>A 1-D constant.</summary>
    public static OnnxConst Vector(IEnumerable<double> values, bool isInt)
    {
        double[] data = [.. values];
        return new OnnxConst(data, [data.Length], isInt);
    }
}
