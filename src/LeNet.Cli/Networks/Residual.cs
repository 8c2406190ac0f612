using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Cli.Networks;

/// <summary>
/// d2l's <c>Residual</c> block (section 8.6, "Residual Networks"): two 3×3 convolutions with BatchNorm, the input
/// added back before the last ReLU, through a 1×1 convolution when the block changes the channels or the size.
/// <c>[N, inChannels, H, W] → [N, outChannels, H / stride, W / stride]</c>.
/// </summary>
/// <remarks>
/// Registered in d2l's order (<c>conv1</c>, <c>conv2</c>, <c>conv3</c>, <c>bn1</c>, <c>bn2</c>), so the state-dict
/// keys are those of d2l's PyTorch class; the convolutions keep their biases, as d2l's do.
/// </remarks>
internal sealed class Residual : Module
{
    private readonly Conv2d _conv1;
    private readonly Conv2d _conv2;
    private readonly Conv2d? _conv3;
    private readonly BatchNorm2d _bn1;
    private readonly BatchNorm2d _bn2;

    /// <summary>Creates the block, like d2l's <c>Residual(num_channels, use_1x1conv, strides)</c> with the input channels given.</summary>
    /// <param name="inChannels">The input's channels.</param>
    /// <param name="outChannels">The output's channels.</param>
    /// <param name="use1x1Conv">Whether the shortcut is a 1×1 convolution (needed when the channels or the stride change).</param>
    /// <param name="stride">The first convolution's (and the shortcut's) stride.</param>
    /// <param name="random">Draws the convolutions' initial weights (torch's default initialisation).</param>
    public Residual(int inChannels, int outChannels, bool use1x1Conv = false, int stride = 1, Random? random = null)
    {
        if (!use1x1Conv && (inChannels != outChannels || stride != 1))
        {
            throw new ArgumentException($"Residual({inChannels}→{outChannels}, stride {stride}) changes the shape, so its shortcut needs the 1×1 convolution.", nameof(use1x1Conv));
        }

        _conv1 = Register("conv1", new Conv2d(inChannels, outChannels, 3, stride, padding: 1, random: random));
        _conv2 = Register("conv2", new Conv2d(outChannels, outChannels, 3, padding: 1, random: random));
        _conv3 = use1x1Conv ? Register("conv3", new Conv2d(inChannels, outChannels, 1, stride, random: random)) : null;
        _bn1 = Register("bn1", new BatchNorm2d(outChannels));
        _bn2 = Register("bn2", new BatchNorm2d(outChannels));
    }

    /// <inheritdoc/>
    /// <remarks><c>Y = relu(bn1(conv1(X))); Y = bn2(conv2(Y)); X = conv3(X) if any; return relu(Y + X)</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor y = F.Relu(_bn1.Forward(_conv1.Forward(input)));
        y = _bn2.Forward(_conv2.Forward(y));
        Tensor shortcut = _conv3 is null ? input : _conv3.Forward(input);
        return F.Relu(y + shortcut);
    }
}
