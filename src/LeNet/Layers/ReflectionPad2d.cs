using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>Pads the last two dimensions with the reflection of the input at its border (the edge itself not repeated), like <c>torch.nn.ReflectionPad2d(padding)</c>.</summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c> (or without N).</remarks>
public sealed class ReflectionPad2d : Pad2d
{
    /// <summary>Creates the layer with the same padding on all four sides.</summary>
    /// <param name="padding">The padding of each side; not negative. Each side must be less than the input's size in that dimension.</param>
    /// <exception cref="ArgumentOutOfRangeException">The padding is negative.</exception>
    public ReflectionPad2d(int padding)
        : this((padding, padding, padding, padding))
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">(left, right, top, bottom), PyTorch's order; none negative. Each side must be less than the input's size in that dimension.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    public ReflectionPad2d((int Left, int Right, int Top, int Bottom) padding)
        : base(padding, nameof(ReflectionPad2d))
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(ReflectionPad2d);

    private protected override PadMode Mode => PadMode.Reflect;

    /// <summary>Returns <c>ReflectionPad2d((left, right, top, bottom))</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"ReflectionPad2d({FormatPadding()})";
}
