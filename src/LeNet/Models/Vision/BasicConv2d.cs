using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>BasicConv2d</c> of GoogLeNet and Inception v3 (the same class in <c>googlenet.py</c> and
/// <c>inception.py</c>): a convolution without bias (<c>conv</c>), a BatchNorm with ε = 0.001 (<c>bn</c>), then ReLU.
/// <c>[N, inChannels, H, W] → [N, outChannels, H', W']</c>.
/// </summary>
public sealed class BasicConv2d : Module
{
    private readonly Conv2d _conv;
    private readonly BatchNorm2d _bn;

    /// <summary>Creates the block with a square kernel, like <c>BasicConv2d(in_channels, out_channels, kernel_size=k, stride=s, padding=p)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">The kernel's height and width.</param>
    /// <param name="stride">The convolution's stride.</param>
    /// <param name="padding">The convolution's zero padding on every side.</param>
    public BasicConv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding))
    {
    }

    /// <summary>Creates the block with (height, width) pairs, like <c>BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">The kernel's (height, width).</param>
    /// <param name="stride">The convolution's (height, width) stride; (1, 1) when null.</param>
    /// <param name="padding">The convolution's (height, width) zero padding; (0, 0) when null.</param>
    public BasicConv2d(int inChannels, int outChannels, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null)
    {
        _conv = Register("conv", new Conv2d(inChannels, outChannels, kernelSize, stride, padding, bias: false));
        _bn = Register("bn", new BatchNorm2d(outChannels, eps: 0.001f));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, outChannels, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _conv.Forward(input);
        x = _bn.Forward(x);
        return F.Relu(x);
    }
}
