using LeNet.Inference;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// Keeps the batch dimension and flattens the rest, like <c>torch.nn.Flatten()</c> (start_dim=1, end_dim=−1).
/// </summary>
/// <remarks>
/// <c>input [N, d1, d2, …] → output [N, d1·d2·…]</c>. The output is a view sharing the input's storage,
/// as PyTorch's is for a contiguous input.
/// </remarks>
public sealed class Flatten : Layer
{
    private int[]? _inputShape;
    private int[] _outputShape = [];

    /// <inheritdoc/>
    public override string Name => nameof(Flatten);

    /// <inheritdoc/>
    /// <remarks><c>[N, d1, d2, …] → [N, d1·d2·…]</c>; the input needs at least two dimensions.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.MinRank(inputShape, 2, "[N, ...]", this);
        long features = 1;
        foreach (int dim in inputShape[1..])
        {
            features *= dim;
        }

        if (features > int.MaxValue)
        {
            LayerGuard.Throw(this, $"input {Tensor.FormatShape(inputShape)} has too many features per sample");
        }

        return [inputShape[0], (int)features];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, d1, d2, …] → output [N, d1·d2·…]</c>, a view of the input.</remarks>
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
    /// <remarks><c>outputGradient [N, d1·d2·…] → input gradient [N, d1, d2, …]</c>, a view of the output gradient.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_inputShape, outputGradient, _outputShape);
        return outputGradient.Reshape(_inputShape);
    }

    /// <summary>Returns <c>Flatten()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Flatten()";

    /// <inheritdoc/>
    /// <remarks>Free in the batch-inner layout: the compiler only marks the map flat.</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.Flatten();
        return true;
    }

    /// <remarks>torch.nn.Flatten() is start_dim=1, end_dim=-1: ONNX Flatten with axis 1.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Flatten", this, prefix).Int("axis", 1);
}
