using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>Pads the last two dimensions with zeros, like <c>torch.nn.ZeroPad2d(padding)</c>.</summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c> (or without N).</remarks>
public sealed class ZeroPad2d : Pad2d
{
    /// <summary>Creates the layer with the same padding on all four sides.</summary>
    /// <param name="padding">The padding of each side; not negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">The padding is negative.</exception>
    public ZeroPad2d(int padding)
        : this((padding, padding, padding, padding))
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">(left, right, top, bottom), PyTorch's order; none negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    public ZeroPad2d((int Left, int Right, int Top, int Bottom) padding)
        : base(padding, nameof(ZeroPad2d))
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(ZeroPad2d);

    private protected override PadMode Mode => PadMode.Constant;

    /// <summary>Returns <c>ZeroPad2d((left, right, top, bottom))</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"ZeroPad2d({FormatPadding()})";
}
