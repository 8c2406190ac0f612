using LeNet.Compiler;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// Flattens the dimensions from <see cref="StartDim"/> to <see cref="EndDim"/> into one, like
/// <c>torch.nn.Flatten(start_dim=1, end_dim=-1)</c>: by default it keeps the batch dimension and flattens the rest.
/// </summary>
/// <remarks>
/// <c>input [d0, …, d_start, …, d_end, …] → output [d0, …, d_start·…·d_end, …]</c>; the default is
/// <c>[N, d1, d2, …] → [N, d1·d2·…]</c>. Negative dimensions count from the end; a rank-0 input is treated as
/// rank 1 (its dimensions are 0 and −1) and becomes <c>[1]</c>, as in PyTorch. The output is a view sharing the
/// input's storage, as PyTorch's is for a contiguous input.
/// </remarks>
public sealed class Flatten : Layer
{
    private int[]? _inputShape;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="startDim">The first dimension flattened (PyTorch's <c>start_dim</c>, default 1); negative counts from the end.</param>
    /// <param name="endDim">The last dimension flattened (PyTorch's <c>end_dim</c>, default −1, the last); negative counts from the end.</param>
    /// <exception cref="ArgumentException">Both are of the same sign and <paramref name="startDim"/> comes after <paramref name="endDim"/>.</exception>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        if ((startDim >= 0) == (endDim >= 0) && startDim > endDim)
        {
            throw new ArgumentException($"Flatten: flatten() has invalid args: start_dim cannot come after end_dim, got start_dim={startDim}, end_dim={endDim}.", nameof(startDim));
        }

        (StartDim, EndDim) = (startDim, endDim);
    }

    /// <summary>The first dimension flattened, as given.</summary>
    public int StartDim { get; }

    /// <summary>The last dimension flattened, as given.</summary>
    public int EndDim { get; }

    private bool IsDefault => StartDim == 1 && EndDim == -1;

    /// <inheritdoc/>
    public override string Name => nameof(Flatten);

    /// <inheritdoc/>
    /// <remarks><c>[d0, …, d_start, …, d_end, …] → [d0, …, d_start·…·d_end, …]</c>; the default needs at least two dimensions.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        (int start, int end) = Resolve(inputShape);
        long features = Product(inputShape[start..(end + 1)]);
        if (features > int.MaxValue)
        {
            LayerGuard.Throw(this, $"input {Tensor.FormatShape(inputShape)} flattens dimensions {start} to {end} into more than {int.MaxValue} elements");
        }

        return inputShape.Length == 0 ? [1] : [.. inputShape[..start], (int)features, .. inputShape[(end + 1)..]];
    }

    /// <summary>The flattened range as non-negative dimensions of <paramref name="inputShape"/>, checked.</summary>
    private (int Start, int End) Resolve(ReadOnlySpan<int> inputShape)
    {
        // The rank the two dimensions need: d ≥ 0 needs d + 1 dimensions, d < 0 needs −d.
        int needed = Math.Max(StartDim >= 0 ? StartDim + 1 : -StartDim, EndDim >= 0 ? EndDim + 1 : -EndDim);
        if (inputShape.Length == 0 && needed == 1)
        {
            return (0, -1);
        }

        LayerGuard.MinRank(inputShape, needed, IsDefault ? "[N, ...]" : $"(start_dim={StartDim}, end_dim={EndDim})", this);
        int start = StartDim < 0 ? StartDim + inputShape.Length : StartDim;
        int end = EndDim < 0 ? EndDim + inputShape.Length : EndDim;
        if (start > end)
        {
            LayerGuard.Throw(this, $"flatten() has invalid args: start_dim cannot come after end_dim (dimensions {start} and {end} of an input of rank {inputShape.Length})");
        }

        return (start, end);
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [d0, …, d_start, …, d_end, …] → output [d0, …, d_start·…·d_end, …]</c>, a view of the input.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        if (KeepsForBackward)
        {
            (_inputShape, _outputShape) = (input.Shape.ToArray(), outShape);
        }

        return input.Reshape(outShape);
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [d0, …, d_start·…·d_end, …] → input gradient [d0, …, d_start, …, d_end, …]</c>, a view of the output gradient.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_inputShape, outputGradient, _outputShape);
        return outputGradient.Reshape(_inputShape);
    }

    /// <summary>Returns <c>Flatten()</c> for the defaults, else <c>Flatten(start_dim=0, end_dim=-1)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => IsDefault ? "Flatten()" : $"Flatten(start_dim={StartDim}, end_dim={EndDim})";

    /// <inheritdoc/>
    /// <remarks>
    /// The default (start 1, end −1) is free in the batch-inner layout: the compiler only marks the map flat. Other
    /// ranges are left to the layer path.
    /// </remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        if (!IsDefault)
        {
            return false;
        }

        compiler.Flatten();
        return true;
    }

    /// <remarks>
    /// The default is ONNX Flatten with axis 1 (always rank 2, as torch.nn.Flatten() is). Other ranges are a Reshape to
    /// the constant output shape, its batch entry 0 (copy the input's symbolic N) when the batch dimension is kept,
    /// or −1 (inferred) when it is flattened with the dimensions after it.
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (IsDefault)
        {
            graph.AddLayerNode("Flatten", this, prefix).Int("axis", 1);
            return;
        }

        int[] outputShape = GetOutputShape(inputShape);
        long[] shape = [Resolve(inputShape).Start == 0 ? -1 : 0, .. outputShape.Skip(1).Select(size => (long)size)];
        string x = graph.Current;
        string shapeName = graph.AddInt64Initializer(prefix + "shape", [shape.Length], shape);
        graph.AddNode("Reshape", prefix, x, shapeName);
    }
}
