using LeNet.IO;

namespace LeNet.Layers;

/// <summary>Returns its input unchanged, like <c>torch.nn.Identity()</c>: a placeholder in a model's structure.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>: the output is the input tensor itself, as in PyTorch.</remarks>
public sealed class Identity : Layer
{
    private int[]? _shape;

    /// <inheritdoc/>
    public override string Name => nameof(Identity);

    /// <inheritdoc/>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output</c>: the same tensor.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        if (KeepsForBackward)
        {
            _shape = input.Shape.ToArray();
        }

        return input;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient → input gradient</c>: the same tensor.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_shape, outputGradient, _shape);
        return outputGradient;
    }

    /// <summary>Returns <c>Identity()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Identity()";

    /// <inheritdoc/>
    internal override bool IsIdentityIn(bool training) => true;

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Identity", this, prefix);
}
