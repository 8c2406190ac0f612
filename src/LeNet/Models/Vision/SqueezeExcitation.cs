using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>ops.misc.SqueezeExcitation</c> (Hu et al.): each channel of the input scaled by a gate computed
/// from the channels' global average — <c>x · σ(fc2(δ(fc1(avgpool(x)))))</c>, with 1×1 convolutions <c>fc1</c>
/// (C → squeeze) and <c>fc2</c> (squeeze → C). <c>[N, C, H, W] → [N, C, H, W]</c>.
/// </summary>
public sealed class SqueezeExcitation : Module
{
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Conv2d _fc1;
    private readonly Conv2d _fc2;
    private readonly Layer _activation;
    private readonly Layer _scaleActivation;

    /// <summary>Creates the block, like <c>SqueezeExcitation(input_channels, squeeze_channels, activation=ReLU, scale_activation=Sigmoid)</c>.</summary>
    /// <param name="inputChannels">C.</param>
    /// <param name="squeezeChannels">The bottleneck's channels.</param>
    /// <param name="activation">Makes δ; null for <see cref="ReLU"/>.</param>
    /// <param name="scaleActivation">Makes σ; null for <see cref="Sigmoid"/>.</param>
    public SqueezeExcitation(int inputChannels, int squeezeChannels, Func<Layer>? activation = null, Func<Layer>? scaleActivation = null)
    {
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d(1));
        _fc1 = Register("fc1", new Conv2d(inputChannels, squeezeChannels, 1));
        _fc2 = Register("fc2", new Conv2d(squeezeChannels, inputChannels, 1));
        _activation = Register("activation", activation?.Invoke() ?? new ReLU());
        _scaleActivation = Register("scale_activation", scaleActivation?.Invoke() ?? new Sigmoid());
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor scale = _avgpool.Forward(input);
        scale = _scaleActivation.Forward(_fc2.Forward(_activation.Forward(_fc1.Forward(scale))));
        return scale * input;
    }
}
