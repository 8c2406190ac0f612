using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>The hyperbolic tangent, element-wise, like <c>torch.nn.Tanh()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Tanh : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(Tanh);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    /// <remarks>dx = dy · (1 − y²).</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Multiply(y, y, dx);
        TensorPrimitives.Subtract(1f, dx, dx);
        TensorPrimitives.Multiply(dx, dy, dx);
    }

    /// <summary>Returns <c>Tanh()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Tanh()";

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Tanh", this, prefix);
}
