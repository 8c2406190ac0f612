namespace LeNet.Layers;

/// <summary>
/// Zeroes whole channels with probability p in training mode and scales the rest by 1/(1 − p), like
/// <c>torch.nn.Dropout2d(p=0.5)</c>; the identity in evaluation mode.
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] or [C, H, W] → output [same shape]</c>: one mask value per (n, c) plane, or per channel of an
/// unbatched [C, H, W] input (PyTorch 2's reading; PyTorch 1.13 warns and treats a 3-D input as [N, C, L]).
/// </remarks>
public sealed class Dropout2d : DropoutLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing a channel, in [0, 1] (PyTorch's <c>p</c>, default 0.5).</param>
    /// <param name="random">The source of the masks; <see cref="Random.Shared"/> when null. Pass a seeded one for reproducible masks.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1].</exception>
    public Dropout2d(float p = 0.5f, Random? random = null)
        : base(p, random, nameof(Dropout2d))
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(Dropout2d);

    private protected override int GroupLength(ReadOnlySpan<int> shape)
    {
        if (shape.Length is not (3 or 4))
        {
            LayerGuard.Throw(this, $"expected a rank-4 input [N, C, H, W] or a rank-3 input [C, H, W], got rank {shape.Length} {Tensor.FormatShape(shape)}");
        }

        LayerGuard.Positive(shape, this);
        return shape[^1] * shape[^2];
    }
}
