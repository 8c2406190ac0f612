using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>resnet.BasicBlock</c> (He et al. 2016, figure 2): two 3×3 convolutions with BatchNorm, the
/// input (or its <c>downsample</c>) added before the last ReLU — <c>relu(bn2(conv2(relu(bn1(conv1(x))))) + identity)</c>.
/// <c>[N, inplanes, H, W] → [N, planes, H / stride, W / stride]</c>.
/// </summary>
public sealed class BasicBlock : Module
{
    /// <summary>The ratio of output channels to <c>planes</c>: 1.</summary>
    public const int Expansion = 1;

    private readonly Conv2d _conv1;
    private readonly Layer _bn1;
    private readonly ReLU _relu;
    private readonly Conv2d _conv2;
    private readonly Layer _bn2;
    private readonly Module? _downsample;

    /// <summary>
    /// Creates the block, like <c>BasicBlock(inplanes, planes, stride, downsample, groups, base_width, dilation, norm_layer)</c>.
    /// </summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="planes">Output channels.</param>
    /// <param name="stride">The first convolution's stride (2 where a stage halves the resolution).</param>
    /// <param name="downsample">Maps the input to the output's shape for the addition (a 1×1 convolution and a norm); null for the identity.</param>
    /// <param name="groups">Must be 1 (torchvision's BasicBlock supports nothing else).</param>
    /// <param name="baseWidth">Must be 64.</param>
    /// <param name="dilation">Must be 1.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/>.</param>
    /// <param name="random">The source of the convolutions' initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="groups"/> is not 1 or <paramref name="baseWidth"/> not 64.</exception>
    /// <exception cref="NotSupportedException"><paramref name="dilation"/> is above 1.</exception>
    public BasicBlock(int inplanes, int planes, int stride = 1, Module? downsample = null, int groups = 1, int baseWidth = 64, int dilation = 1, Func<int, Layer>? normLayer = null, Random? random = null)
    {
        normLayer ??= channels => new BatchNorm2d(channels);
        if (groups != 1 || baseWidth != 64)
        {
            throw new ArgumentException($"BasicBlock only supports groups=1 and base_width=64, got groups={groups}, base_width={baseWidth}.", groups != 1 ? nameof(groups) : nameof(baseWidth));
        }

        if (dilation > 1)
        {
            throw new NotSupportedException($"Dilation > 1 not supported in BasicBlock (got {dilation}).");
        }

        // Both conv1 and downsample downsample the input when stride != 1.
        _conv1 = Register("conv1", ResNet.Conv3x3(inplanes, planes, stride, random: random));
        _bn1 = Register("bn1", normLayer(planes));
        _relu = Register("relu", new ReLU());
        _conv2 = Register("conv2", ResNet.Conv3x3(planes, planes, random: random));
        _bn2 = Register("bn2", normLayer(planes));
        _downsample = downsample is null ? null : Register("downsample", downsample);
        Stride = stride;
    }

    /// <summary>The first convolution's stride.</summary>
    public int Stride { get; }

    /// <summary>The normalization after <c>conv2</c>, the last of the residual branch (what <c>zero_init_residual</c> zeroes).</summary>
    public Layer Bn2 => _bn2;

    /// <inheritdoc/>
    /// <remarks><c>[N, inplanes, H, W] → [N, planes, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor identity = input;

        Tensor output = _conv1.Forward(input);
        output = _bn1.Forward(output);
        output = _relu.Forward(output);

        output = _conv2.Forward(output);
        output = _bn2.Forward(output);

        if (_downsample is not null)
        {
            identity = _downsample.Forward(input);
        }

        output += identity;
        output = _relu.Forward(output);

        return output;
    }
}
