using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// Expands one dimension into several, like <c>torch.nn.Unflatten(dim, unflattened_size)</c>; one size may be −1
/// (inferred), as <c>Tensor.unflatten</c> allows.
/// </summary>
/// <remarks>
/// <c>input [*, S, *] → output [*, s1, s2, …, *]</c> with s1·s2·… = S. The output is a view sharing the input's
/// storage, as PyTorch's is for a contiguous input.
/// </remarks>
public sealed class Unflatten : Layer
{
    private readonly int[] _sizes;
    private int[]? _inputShape;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The dimension to expand (PyTorch's <c>dim</c>); negative counts from the end.</param>
    /// <param name="sizes">The sizes it expands into (PyTorch's <c>unflattened_size</c>): positive, or one −1 inferred from the rest.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sizes"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="sizes"/> is empty, has a size below −1 or zero, or more than one −1.</exception>
    public Unflatten(int dim, int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0 || sizes.Any(size => size == 0 || size < -1) || sizes.Count(size => size == -1) > 1)
        {
            throw new ArgumentException($"Unflatten: expected sizes that are positive, with at most one -1, got {Tensor.FormatShape(sizes)}.", nameof(sizes));
        }

        Dim = dim;
        _sizes = (int[])sizes.Clone();
    }

    /// <summary>The dimension expanded, as given.</summary>
    public int Dim { get; }

    /// <summary>The sizes it expands into, as given (one may be −1).</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <inheritdoc/>
    public override string Name => nameof(Unflatten);

    /// <inheritdoc/>
    /// <remarks><c>[*, S, *] → [*, s1, s2, …, *]</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Positive(inputShape, this);
        int dim = DimArithmetic.Resolve(Dim, inputShape.Length, this);
        int[] sizes = (int[])_sizes.Clone();
        long known = 1;
        foreach (int size in sizes)
        {
            known *= size == -1 ? 1 : size;
        }

        int inferred = Array.IndexOf(sizes, -1);
        if (inferred >= 0 && inputShape[dim] % known == 0)
        {
            sizes[inferred] = (int)(inputShape[dim] / known);
            known *= sizes[inferred];
        }

        if (known != inputShape[dim])
        {
            LayerGuard.Throw(this, $"sizes {Tensor.FormatShape(_sizes)} don't multiply up to the size of dimension {dim}, {inputShape[dim]} (input {Tensor.FormatShape(inputShape)})");
        }

        return [.. inputShape[..dim], .. sizes, .. inputShape[(dim + 1)..]];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [*, S, *] → output [*, s1, s2, …, *]</c>, a view of the input.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outputShape = GetOutputShape(input.Shape);
        if (KeepsForBackward)
        {
            (_inputShape, _outputShape) = (input.Shape.ToArray(), outputShape);
        }

        return input.Reshape(outputShape);
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [*, s1, s2, …, *] → input gradient [*, S, *]</c>, a view of the output gradient.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_inputShape, outputGradient, _outputShape);
        return outputGradient.Reshape(_inputShape);
    }

    /// <summary>Returns <c>Unflatten(dim=1, unflattened_size=(2, 3))</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"Unflatten(dim={Dim}, unflattened_size=({string.Join(", ", _sizes)}{(_sizes.Length == 1 ? "," : "")}))";

    /// <remarks>ONNX Reshape to a constant shape whose first entry is 0 (copy the input's batch size, the symbolic N); unflattening the batch itself is not exported.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (DimArithmetic.Resolve(Dim, inputShape.Length, this) == 0)
        {
            OnnxGraph.ThrowUnsupported(this, prefix, "unflattens the batch dimension, which the exported graph keeps symbolic.");
        }

        int[] outputShape = GetOutputShape(inputShape);
        long[] shape = [0, .. outputShape.Skip(1).Select(size => (long)size)];
        string x = graph.Current;
        string shapeName = graph.AddInt64Initializer(prefix + "shape", [shape.Length], shape);
        graph.AddNode("Reshape", prefix, x, shapeName);
    }
}
