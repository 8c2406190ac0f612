using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>Pads the last two dimensions by repeating the input's edge values, like <c>torch.nn.ReplicationPad2d(padding)</c>.</summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c> (or without N).</remarks>
public sealed class ReplicationPad2d : Pad2d
{
    /// <summary>Creates the layer with the same padding on all four sides.</summary>
    /// <param name="padding">The padding of each side; not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">The padding is negative.</exception>
    public ReplicationPad2d(int padding)
        : this((padding, padding, padding, padding))
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">(left, right, top, bottom), PyTorch's order; none negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    public ReplicationPad2d((int Left, int Right, int Top, int Bottom) padding)
        : base(padding, nameof(ReplicationPad2d))
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(ReplicationPad2d);

    private protected override PadMode Mode => PadMode.Replicate;

    /// <summary>Returns <c>ReplicationPad2d((left, right, top, bottom))</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"ReplicationPad2d({FormatPadding()})";
}
