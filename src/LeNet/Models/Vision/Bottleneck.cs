using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>resnet.Bottleneck</c>: 1×1 (reduce to <c>width</c>), 3×3 (grouped, strided), 1×1 (expand to
/// <c>planes · 4</c>) convolutions with BatchNorm, the input (or its <c>downsample</c>) added before the last ReLU.
/// <c>[N, inplanes, H, W] → [N, planes · 4, H / stride, W / stride]</c>.
/// </summary>
/// <remarks>
/// As torchvision, the stride sits on the 3×3 convolution (<c>conv2</c>), not on the first 1×1 as in the paper:
/// "ResNet V1.5". <c>width = int(planes · baseWidth / 64) · groups</c> gives ResNeXt (groups 32, base width 4 or 8)
/// and Wide ResNet (base width 128).
/// </remarks>
public sealed class Bottleneck : Module
{
    /// <summary>The ratio of output channels to <c>planes</c>: 4.</summary>
    public const int Expansion = 4;

    private readonly Conv2d _conv1;
    private readonly Layer _bn1;
    private readonly Conv2d _conv2;
    private readonly Layer _bn2;
    private readonly Conv2d _conv3;
    private readonly Layer _bn3;
    private readonly ReLU _relu;
    private readonly Module? _downsample;

    /// <summary>
    /// Creates the block, like <c>Bottleneck(inplanes, planes, stride, downsample, groups, base_width, dilation, norm_layer)</c>.
    /// </summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="planes">The block's base channel count; it outputs <c>planes · 4</c>.</param>
    /// <param name="stride">The 3×3 convolution's stride (2 where a stage halves the resolution).</param>
    /// <param name="downsample">Maps the input to the output's shape for the addition (a 1×1 convolution and a norm); null for the identity.</param>
    /// <param name="groups">The 3×3 convolution's groups (ResNeXt's cardinality).</param>
    /// <param name="baseWidth">Channels per group at <c>planes</c> = 64 (torchvision's <c>width_per_group</c>).</param>
    /// <param name="dilation">The 3×3 convolution's dilation (and padding).</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/>.</param>
    /// <param name="random">The source of the convolutions' initial values; <see cref="Random.Shared"/> when null.</param>
    public Bottleneck(int inplanes, int planes, int stride = 1, Module? downsample = null, int groups = 1, int baseWidth = 64, int dilation = 1, Func<int, Layer>? normLayer = null, Random? random = null)
    {
        normLayer ??= channels => new BatchNorm2d(channels);
        int width = (int)(planes * (baseWidth / 64.0)) * groups;

        // Both conv2 and downsample downsample the input when stride != 1.
        _conv1 = Register("conv1", ResNet.Conv1x1(inplanes, width, random: random));
        _bn1 = Register("bn1", normLayer(width));
        _conv2 = Register("conv2", ResNet.Conv3x3(width, width, stride, groups, dilation, random));
        _bn2 = Register("bn2", normLayer(width));
        _conv3 = Register("conv3", ResNet.Conv1x1(width, planes * Expansion, random: random));
        _bn3 = Register("bn3", normLayer(planes * Expansion));
        _relu = Register("relu", new ReLU());
        _downsample = downsample is null ? null : Register("downsample", downsample);
        Stride = stride;
    }

    /// <summary>The 3×3 convolution's stride.</summary>
    public int Stride { get; }

    /// <summary>The normalization after <c>conv3</c>, the last of the residual branch (what <c>zero_init_residual</c> zeroes).</summary>
    public Layer Bn3 => _bn3;

    /// <inheritdoc/>
    /// <remarks><c>[N, inplanes, H, W] → [N, planes · 4, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor identity = input;

        Tensor output = _conv1.Forward(input);
        output = _bn1.Forward(output);
        output = _relu.Forward(output);

        output = _conv2.Forward(output);
        output = _bn2.Forward(output);
        output = _relu.Forward(output);

        output = _conv3.Forward(output);
        output = _bn3.Forward(output);

        if (_downsample is not null)
        {
            identity = _downsample.Forward(input);
        }

        output += identity;
        output = _relu.Forward(output);

        return output;
    }
}
