using System.Numerics.Tensors;

namespace LeNet.Layers;

/// <summary>The logistic function σ(x) = 1 / (1 + e^−x), element-wise, like <c>torch.nn.Sigmoid()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Sigmoid : ILayer
{
    /// <inheritdoc/>
    public string Name => nameof(Sigmoid);

    /// <inheritdoc/>
    public int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    public Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        var output = new Tensor(input.Shape.ToArray());
        TensorPrimitives.Sigmoid(input.AsSpan(), output.AsSpan());
        return output;
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <summary>Returns <c>Sigmoid()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Sigmoid()";
}
