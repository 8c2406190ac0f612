using System.Runtime.CompilerServices;

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
        Owners.AddOrUpdate(value, this);
    }

    // Which parameter a tensor is the value of: a Module's forward may use a parameter's value in tensor
    // operations (`_gamma.Value * y`), and its backward adds the gradient to the parameter.
    private static readonly ConditionalWeakTable<Tensor, Parameter> Owners = [];

    /// <summary>The parameter whose <see cref="Value"/> is <paramref name="tensor"/> (the same object), or null.</summary>
    internal static Parameter? OwnerOf(Tensor tensor) => Owners.TryGetValue(tensor, out Parameter? owner) ? owner : null;

    /// <summary>The parameter's current values.</summary>
    public Tensor Value { get; }

    /// <summary>The accumulated gradient of the loss with respect to <see cref="Value"/>; same shape.</summary>
    public Tensor Gradient { get; }

    /// <summary>The number of scalar values in the parameter.</summary>
    public int Length => Value.Length;
}
