using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>x / (1 + |x|), element-wise, like <c>torch.nn.Softsign()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Softsign : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(Softsign);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Abs(x, y);
        TensorPrimitives.Add(y, 1f, y);
        TensorPrimitives.Divide(x, y, y);
    }

    /// <remarks>dx = dy / (1 + |x|)².</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Abs(x, dx);
        TensorPrimitives.Add(dx, 1f, dx);
        TensorPrimitives.Multiply(dx, dx, dx);
        TensorPrimitives.Divide(dy, dx, dx);
    }

    /// <summary>Returns <c>Softsign()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Softsign()";

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Softsign", this, prefix);
}
