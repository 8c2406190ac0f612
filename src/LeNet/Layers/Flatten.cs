namespace LeNet.Layers;

/// <summary>
/// Keeps the batch dimension and flattens the rest, like <c>torch.nn.Flatten()</c> (start_dim=1, end_dim=−1).
/// </summary>
/// <remarks>
/// <c>input [N, d1, d2, …] → output [N, d1·d2·…]</c>. The output is a view sharing the input's storage,
/// as PyTorch's is for a contiguous input.
/// </remarks>
public sealed class Flatten : ILayer
{
    /// <inheritdoc/>
    public string Name => nameof(Flatten);

    /// <inheritdoc/>
    /// <remarks><c>[N, d1, d2, …] → [N, d1·d2·…]</c>; the input needs at least two dimensions.</remarks>
    public int[] GetOutputShape(ReadOnlySpan<int> inputShape)
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
    /// <remarks><c>input [N, d1, d2, …] → output [N, d1·d2·…]</c>, a view of the input.</remarks>
    public Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        return input.Reshape(GetOutputShape(input.Shape));
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <summary>Returns <c>Flatten()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Flatten()";
}
