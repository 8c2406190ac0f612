using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>resnet.ResNet</c> (He et al. 2016), with ResNeXt (Xie et al. 2017) and Wide ResNet (Zagoruyko and
/// Komodakis 2016) as settings of its Bottleneck: a 7×7 stem, a max pool, four stages of residual blocks
/// (<c>layer1</c>…<c>layer4</c>, 64/128/256/512 planes, the last three halving the resolution), a global average pool
/// and a linear classifier <c>fc</c>. <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// State-dict keys are torchvision's (<c>conv1.weight</c>, <c>layer1.0.bn1.running_mean</c>,
/// <c>layer2.0.downsample.0.weight</c>, <c>fc.bias</c>); the typed factories are <see cref="TorchVision.ResNet18"/> and
/// its siblings.
/// </remarks>
public sealed class ResNet : Module
{
    private readonly Func<int, Layer> _normLayer;
    private readonly Random? _random;
    private readonly Conv2d _conv1;
    private readonly Layer _bn1;
    private readonly ReLU _relu;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _layer1;
    private readonly Sequential _layer2;
    private readonly Sequential _layer3;
    private readonly Sequential _layer4;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Linear _fc;
    private int _inplanes;
    private int _dilation;

    /// <summary>
    /// Creates the network, like <c>ResNet(block, layers, num_classes=1000, zero_init_residual=False, groups=1,
    /// width_per_group=64, replace_stride_with_dilation=None, norm_layer=None)</c>, then initializes it as torchvision
    /// does: convolutions <c>kaiming_normal_(mode="fan_out", nonlinearity="relu")</c>, norms weight 1 and bias 0,
    /// <c>fc</c> PyTorch's default.
    /// </summary>
    /// <param name="block">The residual block: <see cref="ResNetBlock.BasicBlock"/> or <see cref="ResNetBlock.Bottleneck"/>.</param>
    /// <param name="layers">The number of blocks in each of the four stages (resnet50: <c>[3, 4, 6, 3]</c>).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="zeroInitResidual">Zero the weight of each residual branch's last norm, so every block starts as the identity (Goyal et al. 2017).</param>
    /// <param name="groups">The Bottleneck's 3×3 groups (ResNeXt's cardinality).</param>
    /// <param name="widthPerGroup">The Bottleneck's channels per group at 64 planes.</param>
    /// <param name="replaceStrideWithDilation">For stages 2–4: whether each replaces its stride 2 by dilation (three entries); null for none.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/>.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="layers"/> does not have four entries or <paramref name="replaceStrideWithDilation"/> not three.</exception>
    public ResNet(
        ResNetBlock block,
        int[] layers,
        int numClasses = 1000,
        bool zeroInitResidual = false,
        int groups = 1,
        int widthPerGroup = 64,
        bool[]? replaceStrideWithDilation = null,
        Func<int, Layer>? normLayer = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length != 4)
        {
            throw new ArgumentException($"ResNet: expected 4 stage lengths, got {layers.Length}.", nameof(layers));
        }

        _normLayer = normLayer ?? (channels => new BatchNorm2d(channels));
        _random = random;

        _inplanes = 64;
        _dilation = 1;

        // Each element says whether that stage replaces its 2×2 stride with a dilated convolution instead.
        replaceStrideWithDilation ??= [false, false, false];
        if (replaceStrideWithDilation.Length != 3)
        {
            throw new ArgumentException($"replace_stride_with_dilation should be null or a 3-element array, got {replaceStrideWithDilation.Length} elements.", nameof(replaceStrideWithDilation));
        }

        Groups = groups;
        BaseWidth = widthPerGroup;
        _conv1 = Register("conv1", new Conv2d(3, _inplanes, kernelSize: 7, stride: 2, padding: 3, bias: false, random: random));
        _bn1 = Register("bn1", _normLayer(_inplanes));
        _relu = Register("relu", new ReLU());
        _maxpool = Register("maxpool", new MaxPool2d(kernelSize: 3, stride: 2, padding: 1));
        _layer1 = Register("layer1", MakeLayer(block, 64, layers[0]));
        _layer2 = Register("layer2", MakeLayer(block, 128, layers[1], stride: 2, dilate: replaceStrideWithDilation[0]));
        _layer3 = Register("layer3", MakeLayer(block, 256, layers[2], stride: 2, dilate: replaceStrideWithDilation[1]));
        _layer4 = Register("layer4", MakeLayer(block, 512, layers[3], stride: 2, dilate: replaceStrideWithDilation[2]));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((1, 1)));
        _fc = Register("fc", new Linear(512 * ExpansionOf(block), numClasses, random: random));

        Random init = random ?? Random.Shared;
        foreach ((_, ILayer m) in NamedModules())
        {
            if (m is Conv2d conv)
            {
                ResNetInit.KaimingNormal(conv.Weight.Value, fanOut: true, init);
            }

            // Norm layers start at weight 1, bias 0 already (nn.init.constant_ in torchvision).
        }

        // Zero-initialize the last BN in each residual branch, so that the residual branch starts with zeros and each
        // residual block behaves like an identity. This improves the model by 0.2~0.3% according to
        // https://arxiv.org/abs/1706.02677
        if (zeroInitResidual)
        {
            foreach ((_, ILayer m) in NamedModules())
            {
                if (m is Bottleneck { Bn3: BatchNorm { Weight: { } weight3 } })
                {
                    weight3.Value.AsSpan().Clear();
                }
                else if (m is BasicBlock { Bn2: BatchNorm { Weight: { } weight2 } })
                {
                    weight2.Value.AsSpan().Clear();
                }
            }
        }
    }

    /// <summary>The Bottleneck's 3×3 groups.</summary>
    public int Groups { get; }

    /// <summary>The Bottleneck's channels per group at 64 planes (torchvision's <c>base_width</c>).</summary>
    public int BaseWidth { get; }

    /// <summary>The channel ratio of a block's output to its planes: 1 for BasicBlock, 4 for Bottleneck.</summary>
    /// <param name="block">The block.</param>
    /// <returns>Its <c>expansion</c>.</returns>
    public static int ExpansionOf(ResNetBlock block) => block == ResNetBlock.BasicBlock ? BasicBlock.Expansion : Bottleneck.Expansion;

    /// <summary>torchvision's <c>conv3x3</c>: a 3×3 convolution with padding = dilation, without bias.</summary>
    internal static Conv2d Conv3x3(int inPlanes, int outPlanes, int stride = 1, int groups = 1, int dilation = 1, Random? random = null) =>
        new(inPlanes, outPlanes, kernelSize: 3, stride: stride, padding: dilation, bias: false, dilation: dilation, groups: groups, random: random);

    /// <summary>torchvision's <c>conv1x1</c>: a 1×1 convolution without bias.</summary>
    internal static Conv2d Conv1x1(int inPlanes, int outPlanes, int stride = 1, Random? random = null) =>
        new(inPlanes, outPlanes, kernelSize: 1, stride: stride, bias: false, random: random);

    private Sequential MakeLayer(ResNetBlock block, int planes, int blocks, int stride = 1, bool dilate = false)
    {
        int expansion = ExpansionOf(block);
        Module? downsample = null;
        int previousDilation = _dilation;
        if (dilate)
        {
            _dilation *= stride;
            stride = 1;
        }

        if (stride != 1 || _inplanes != planes * expansion)
        {
            downsample = new Sequential(
                Conv1x1(_inplanes, planes * expansion, stride, _random),
                _normLayer(planes * expansion));
        }

        var layers = new List<ILayer>
        {
            Block(block, _inplanes, planes, stride, downsample, previousDilation),
        };
        _inplanes = planes * expansion;
        for (int i = 1; i < blocks; i++)
        {
            layers.Add(Block(block, _inplanes, planes, 1, null, _dilation));
        }

        return new Sequential([.. layers]);
    }

    private Module Block(ResNetBlock block, int inplanes, int planes, int stride, Module? downsample, int dilation) => block switch
    {
        ResNetBlock.BasicBlock => new BasicBlock(inplanes, planes, stride, downsample, Groups, BaseWidth, dilation, _normLayer, _random),
        ResNetBlock.Bottleneck => new Bottleneck(inplanes, planes, stride, downsample, Groups, BaseWidth, dilation, _normLayer, _random),
        _ => throw new ArgumentOutOfRangeException(nameof(block), block, "ResNet: unknown block."),
    };

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _conv1.Forward(input);
        x = _bn1.Forward(x);
        x = _relu.Forward(x);
        x = _maxpool.Forward(x);

        x = _layer1.Forward(x);
        x = _layer2.Forward(x);
        x = _layer3.Forward(x);
        x = _layer4.Forward(x);

        x = _avgpool.Forward(x);
        x = x.Flatten(1);
        x = _fc.Forward(x);

        return x;
    }
}
