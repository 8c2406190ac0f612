namespace LeNet.Layers;

/// <summary>
/// Zeroes each element with probability p in training mode and scales the rest by 1/(1 − p), like
/// <c>torch.nn.Dropout(p=0.5)</c>; the identity in evaluation mode.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Dropout : DropoutLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1] (PyTorch's <c>p</c>, default 0.5).</param>
    /// <param name="random">The source of the masks; <see cref="Random.Shared"/> when null. Pass a seeded one for reproducible masks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout(float p = 0.5f, Random? random = null)
        : base(p, random, nameof(Dropout))
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(Dropout);

    private protected override int GroupLength(ReadOnlySpan<int> shape)
    {
        LayerGuard.Positive(shape, this);
        return 1;
    }
}
