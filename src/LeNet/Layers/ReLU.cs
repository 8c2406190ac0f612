using System.Numerics.Tensors;

namespace LeNet.Layers;

/// <summary>The rectifier max(0, x), element-wise, like <c>torch.nn.ReLU()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class ReLU : ILayer
{
    /// <inheritdoc/>
    public string Name => nameof(ReLU);

    /// <inheritdoc/>
    public int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    public Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        var output = new Tensor(input.Shape.ToArray());
        TensorPrimitives.Max(input.AsSpan(), 0f, output.AsSpan());
        return output;
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <summary>Returns <c>ReLU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "ReLU()";
}
