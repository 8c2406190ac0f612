namespace LeNet;

/// <summary>
/// A learnable tensor of a layer (a weight or a bias) and the gradient that training accumulates for it,
/// like <c>torch.nn.Parameter</c> with its <c>.grad</c>.
/// </summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter around <paramref name="value"/> with a zero gradient of the same shape.</summary>
    /// <param name="value">The parameter's values; the parameter keeps this tensor (no copy).</param>
    public Parameter(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
        Gradient = new Tensor(value.Shape.ToArray());
    }

    /// <summary>The parameter's current values.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient of the loss with respect to <see cref="Value"/>; same shape.</summary>
    public Tensor Gradient { get; }

    /// <summary>The number of scalar values in the parameter.</summary>
    public int Length => Value.Length;
}
