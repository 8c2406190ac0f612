using System.Globalization;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>Pads the last two dimensions with a constant, like <c>torch.nn.ConstantPad2d(padding, value)</c>.</summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c> (or without N).</remarks>
public sealed class ConstantPad2d : Pad2d
{
    /// <summary>Creates the layer with the same padding on all four sides.</summary>
    /// <param name="padding">The padding of each side; not negative.</param>
    /// <param name="value">The value of the border.</param>
    /// <exception cref="ArgumentOutOfRangeException">The padding is negative.</exception>
    public ConstantPad2d(int padding, float value)
        : this((padding, padding, padding, padding), value)
    {
    }

    /// <summary>Creates the layer.</summary>
    /// <param name="padding">(left, right, top, bottom), PyTorch's order; none negative.</param>
    /// <param name="value">The value of the border.</param>
    /// <exception cref="ArgumentOutOfRangeException">A side is negative.</exception>
    public ConstantPad2d((int Left, int Right, int Top, int Bottom) padding, float value)
        : base(padding, nameof(ConstantPad2d)) => Value = value;

    /// <summary>The value of the border.</summary>
    public float Value { get; }

    /// <inheritdoc/>
    public override string Name => nameof(ConstantPad2d);

    private protected override PadMode Mode => PadMode.Constant;

    private protected override float FillValue => Value;

    /// <summary>Returns <c>ConstantPad2d((left, right, top, bottom), value=1.5)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"ConstantPad2d({FormatPadding()}, value={Value.ToString("R", CultureInfo.InvariantCulture)})";
}
