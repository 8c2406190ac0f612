using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>_MBConvConfig</c>: one stage of an EfficientNet (Table 1 of the EfficientNet paper, Table 4 of
/// EfficientNetV2's) — the expansion ratio, kernel, stride, channels, number of blocks and which block to build.
/// </summary>
/// <remarks>
/// The properties are settable because <see cref="EfficientNet"/> does what torchvision does: a shallow copy per
/// block (<see cref="Copy"/>) whose input channels and stride are overwritten for every block but a stage's first.
/// </remarks>
public abstract class MBConvConfigBase
{
    /// <summary>Stores the stage's settings as given (no width or depth scaling).</summary>
    /// <param name="expandRatio">Expanded channels over input channels.</param>
    /// <param name="kernel">The depthwise (or fused) convolution's kernel size.</param>
    /// <param name="stride">The stage's first block's stride, 1 or 2.</param>
    /// <param name="inputChannels">The stage's input channels.</param>
    /// <param name="outChannels">The stage's output channels.</param>
    /// <param name="numLayers">The number of blocks.</param>
    /// <param name="block">Builds one block from its config, its stochastic-depth probability and the normalization.</param>
    protected MBConvConfigBase(double expandRatio, int kernel, int stride, int inputChannels, int outChannels, int numLayers, Func<MBConvConfigBase, float, Func<int, Layer>, Module> block)
    {
        ArgumentNullException.ThrowIfNull(block);
        (ExpandRatio, Kernel, Stride, InputChannels, OutChannels, NumLayers, Block) = (expandRatio, kernel, stride, inputChannels, outChannels, numLayers, block);
    }

    /// <summary>Expanded channels over input channels (torchvision's <c>expand_ratio</c>).</summary>
    public double ExpandRatio { get; set; }

    /// <summary>The depthwise (or fused) convolution's kernel size.</summary>
    public int Kernel { get; set; }

    /// <summary>The stride, 1 or 2 (the stage's first block; 1 for the others).</summary>
    public int Stride { get; set; }

    /// <summary>Input channels (the stage's; a later block's are <see cref="OutChannels"/>).</summary>
    public int InputChannels { get; set; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; set; }

    /// <summary>The number of blocks in the stage.</summary>
    public int NumLayers { get; set; }

    /// <summary>Builds one block: <c>block(cnf, stochastic_depth_prob, norm_layer)</c>.</summary>
    public Func<MBConvConfigBase, float, Func<int, Layer>, Module> Block { get; set; }

    /// <summary>A shallow copy, like <c>copy.copy(cnf)</c>.</summary>
    /// <returns>A new config with the same values.</returns>
    public MBConvConfigBase Copy() => (MBConvConfigBase)MemberwiseClone();

    /// <summary>
    /// torchvision's <c>adjust_channels</c>: <paramref name="channels"/> · <paramref name="widthMult"/> rounded to a
    /// multiple of 8 (<c>_make_divisible</c>), never below <paramref name="minValue"/> (8 when null) nor more than
    /// 10 % below the product.
    /// </summary>
    /// <param name="channels">The channel count.</param>
    /// <param name="widthMult">The multiplier.</param>
    /// <param name="minValue">The smallest result; null for 8.</param>
    /// <returns>The adjusted channel count.</returns>
    public static int AdjustChannels(int channels, double widthMult, int? minValue = null) => MobileInit.MakeDivisible(channels * widthMult, 8, minValue);
}

/// <summary>
/// torchvision's <c>MBConvConfig</c>: a stage of <see cref="MBConv"/> blocks, its channels scaled by a width
/// multiplier and its depth by a depth multiplier (EfficientNet-B0…B7).
/// </summary>
public sealed class MBConvConfig : MBConvConfigBase
{
    /// <summary>
    /// Creates the config, like <c>MBConvConfig(expand_ratio, kernel, stride, input_channels, out_channels,
    /// num_layers, width_mult, depth_mult, block)</c>: the channels go through <see cref="MBConvConfigBase.AdjustChannels"/>
    /// and the depth through <see cref="AdjustDepth"/>.
    /// </summary>
    /// <param name="expandRatio">Expanded channels over input channels.</param>
    /// <param name="kernel">The depthwise convolution's kernel size.</param>
    /// <param name="stride">The stage's first block's stride, 1 or 2.</param>
    /// <param name="inputChannels">Input channels before width scaling.</param>
    /// <param name="outChannels">Output channels before width scaling.</param>
    /// <param name="numLayers">Blocks before depth scaling.</param>
    /// <param name="widthMult">The width multiplier.</param>
    /// <param name="depthMult">The depth multiplier.</param>
    /// <param name="block">Builds a block; null for <see cref="MBConv"/>.</param>
    public MBConvConfig(double expandRatio, int kernel, int stride, int inputChannels, int outChannels, int numLayers, double widthMult = 1.0, double depthMult = 1.0, Func<MBConvConfigBase, float, Func<int, Layer>, Module>? block = null)
        : base(
            expandRatio,
            kernel,
            stride,
            AdjustChannels(inputChannels, widthMult),
            AdjustChannels(outChannels, widthMult),
            AdjustDepth(numLayers, depthMult),
            block ?? ((cnf, stochasticDepthProb, normLayer) => new MBConv((MBConvConfig)cnf, stochasticDepthProb, normLayer)))
    {
    }

    /// <summary>torchvision's <c>adjust_depth</c>: <c>ceil(num_layers · depth_mult)</c>.</summary>
    /// <param name="numLayers">The number of blocks.</param>
    /// <param name="depthMult">The depth multiplier.</param>
    /// <returns>The scaled number of blocks.</returns>
    public static int AdjustDepth(int numLayers, double depthMult) => (int)Math.Ceiling(numLayers * depthMult);
}

/// <summary>torchvision's <c>FusedMBConvConfig</c>: a stage of <see cref="FusedMBConv"/> blocks (EfficientNetV2, Table 4).</summary>
public sealed class FusedMBConvConfig : MBConvConfigBase
{
    /// <summary>Creates the config, like <c>FusedMBConvConfig(expand_ratio, kernel, stride, input_channels, out_channels, num_layers, block)</c>.</summary>
    /// <param name="expandRatio">Expanded channels over input channels.</param>
    /// <param name="kernel">The fused convolution's kernel size.</param>
    /// <param name="stride">The stage's first block's stride, 1 or 2.</param>
    /// <param name="inputChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="numLayers">Blocks.</param>
    /// <param name="block">Builds a block; null for <see cref="FusedMBConv"/>.</param>
    public FusedMBConvConfig(double expandRatio, int kernel, int stride, int inputChannels, int outChannels, int numLayers, Func<MBConvConfigBase, float, Func<int, Layer>, Module>? block = null)
        : base(
            expandRatio,
            kernel,
            stride,
            inputChannels,
            outChannels,
            numLayers,
            block ?? ((cnf, stochasticDepthProb, normLayer) => new FusedMBConv((FusedMBConvConfig)cnf, stochasticDepthProb, normLayer)))
    {
    }
}

/// <summary>
/// torchvision's <c>MBConv</c>, the mobile inverted bottleneck of EfficientNet: a 1×1 expansion (when the ratio is
/// not 1), a depthwise convolution, squeeze-and-excitation, a 1×1 projection, all with SiLU but the projection; a
/// residual connection through stochastic depth when the stride is 1 and the channels stay.
/// <c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.
/// </summary>
public sealed class MBConv : Module
{
    private readonly Sequential _block;
    private readonly StochasticDepth _stochasticDepth;

    /// <summary>Creates the block, like <c>MBConv(cnf, stochastic_depth_prob, norm_layer, se_layer)</c>.</summary>
    /// <param name="cnf">The block's config (its input channels and stride already the block's).</param>
    /// <param name="stochasticDepthProb">The probability of dropping the residual branch in training.</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <param name="seLayer">Makes the squeeze-and-excitation from (channels, squeeze channels); null for <see cref="SqueezeExcitation"/> with SiLU.</param>
    /// <exception cref="ArgumentException">The stride is not 1 or 2.</exception>
    public MBConv(MBConvConfig cnf, float stochasticDepthProb, Func<int, Layer> normLayer, Func<int, int, Layer>? seLayer = null)
    {
        ArgumentNullException.ThrowIfNull(cnf);
        ArgumentNullException.ThrowIfNull(normLayer);
        if (cnf.Stride is < 1 or > 2)
        {
            throw new ArgumentException($"MBConv: illegal stride value {cnf.Stride} (expected 1 or 2).", nameof(cnf));
        }

        seLayer ??= (channels, squeezeChannels) => new SqueezeExcitation(channels, squeezeChannels, activation: () => new SiLU());
        UseResConnect = cnf.Stride == 1 && cnf.InputChannels == cnf.OutChannels;

        var layers = new List<ILayer>();
        Func<Layer?> activationLayer = () => new SiLU();

        // expand
        int expandedChannels = MBConvConfigBase.AdjustChannels(cnf.InputChannels, cnf.ExpandRatio);
        if (expandedChannels != cnf.InputChannels)
        {
            layers.Add(Conv2dNormActivation.Create(cnf.InputChannels, expandedChannels, kernelSize: 1, norm: normLayer, activation: activationLayer));
        }

        // depthwise
        layers.Add(Conv2dNormActivation.Create(
            expandedChannels, expandedChannels, kernelSize: cnf.Kernel, stride: cnf.Stride, groups: expandedChannels, norm: normLayer, activation: activationLayer));

        // squeeze and excitation
        int squeezeChannels = Math.Max(1, cnf.InputChannels / 4);
        layers.Add(seLayer(expandedChannels, squeezeChannels));

        // project
        layers.Add(Conv2dNormActivation.Create(expandedChannels, cnf.OutChannels, kernelSize: 1, norm: normLayer, activation: () => null));

        _block = Register("block", new Sequential([.. layers]));
        _stochasticDepth = Register("stochastic_depth", new StochasticDepth(stochasticDepthProb, "row"));
        OutChannels = cnf.OutChannels;
    }

    /// <summary>Whether the input is added to the output (stride 1 and as many channels out as in).</summary>
    public bool UseResConnect { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor result = _block.Forward(input);
        if (UseResConnect)
        {
            result = _stochasticDepth.Forward(result);
            result += input;
        }

        return result;
    }
}

/// <summary>
/// torchvision's <c>FusedMBConv</c> (EfficientNetV2): the expansion and the depthwise convolution fused into one
/// k×k convolution, then a 1×1 projection (or a single k×k convolution when the ratio is 1); a residual
/// connection through stochastic depth when the stride is 1 and the channels stay.
/// <c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.
/// </summary>
public sealed class FusedMBConv : Module
{
    private readonly Sequential _block;
    private readonly StochasticDepth _stochasticDepth;

    /// <summary>Creates the block, like <c>FusedMBConv(cnf, stochastic_depth_prob, norm_layer)</c>.</summary>
    /// <param name="cnf">The block's config (its input channels and stride already the block's).</param>
    /// <param name="stochasticDepthProb">The probability of dropping the residual branch in training.</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <exception cref="ArgumentException">The stride is not 1 or 2.</exception>
    public FusedMBConv(FusedMBConvConfig cnf, float stochasticDepthProb, Func<int, Layer> normLayer)
    {
        ArgumentNullException.ThrowIfNull(cnf);
        ArgumentNullException.ThrowIfNull(normLayer);
        if (cnf.Stride is < 1 or > 2)
        {
            throw new ArgumentException($"FusedMBConv: illegal stride value {cnf.Stride} (expected 1 or 2).", nameof(cnf));
        }

        UseResConnect = cnf.Stride == 1 && cnf.InputChannels == cnf.OutChannels;

        var layers = new List<ILayer>();
        Func<Layer?> activationLayer = () => new SiLU();

        int expandedChannels = MBConvConfigBase.AdjustChannels(cnf.InputChannels, cnf.ExpandRatio);
        if (expandedChannels != cnf.InputChannels)
        {
            // fused expand
            layers.Add(Conv2dNormActivation.Create(
                cnf.InputChannels, expandedChannels, kernelSize: cnf.Kernel, stride: cnf.Stride, norm: normLayer, activation: activationLayer));

            // project
            layers.Add(Conv2dNormActivation.Create(expandedChannels, cnf.OutChannels, kernelSize: 1, norm: normLayer, activation: () => null));
        }
        else
        {
            layers.Add(Conv2dNormActivation.Create(
                cnf.InputChannels, cnf.OutChannels, kernelSize: cnf.Kernel, stride: cnf.Stride, norm: normLayer, activation: activationLayer));
        }

        _block = Register("block", new Sequential([.. layers]));
        _stochasticDepth = Register("stochastic_depth", new StochasticDepth(stochasticDepthProb, "row"));
        OutChannels = cnf.OutChannels;
    }

    /// <summary>Whether the input is added to the output (stride 1 and as many channels out as in).</summary>
    public bool UseResConnect { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor result = _block.Forward(input);
        if (UseResConnect)
        {
            result = _stochasticDepth.Forward(result);
            result += input;
        }

        return result;
    }
}

/// <summary>
/// torchvision's <c>EfficientNet</c>, V1 (Tan and Le, 2019) and V2 (2021): a stride-2 3×3 stem, stages of
/// <see cref="MBConv"/> / <see cref="FusedMBConv"/> blocks, a 1×1 head convolution, global average pooling and
/// a dropout + linear classifier. <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// State-dict keys are torchvision's (<c>features.1.0.block.0.0.weight</c>, <c>classifier.1.weight</c>). In training
/// mode the blocks' stochastic depth (probability growing linearly with the block's index up to
/// <c>stochasticDepthProb</c>) and the classifier's dropout are active, as in torchvision.
/// </remarks>
public sealed class EfficientNet : Module
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <summary>
    /// Creates the network, like <c>EfficientNet(inverted_residual_setting, dropout, stochastic_depth_prob=0.2,
    /// num_classes=1000, norm_layer=None, last_channel=None)</c>.
    /// </summary>
    /// <param name="invertedResidualSetting">The stages (<see cref="MBConvConfig"/> and <see cref="FusedMBConvConfig"/>), in order.</param>
    /// <param name="dropout">The classifier's dropout probability.</param>
    /// <param name="stochasticDepthProb">The last block's stochastic-depth probability (the first block's is 0).</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/> with defaults.</param>
    /// <param name="lastChannel">The head convolution's channels; null for 4 × the last stage's output channels.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    /// <exception cref="ArgumentException">The setting is empty.</exception>
    public EfficientNet(
        IReadOnlyList<MBConvConfigBase> invertedResidualSetting,
        float dropout,
        float stochasticDepthProb = 0.2f,
        int numClasses = 1000,
        Func<int, Layer>? normLayer = null,
        int? lastChannel = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(invertedResidualSetting);
        if (invertedResidualSetting.Count == 0)
        {
            throw new ArgumentException("EfficientNet: the inverted_residual_setting should not be empty.", nameof(invertedResidualSetting));
        }

        normLayer ??= channels => new BatchNorm2d(channels);

        var layers = new List<ILayer>();

        // building first layer
        int firstconvOutputChannels = invertedResidualSetting[0].InputChannels;
        layers.Add(Conv2dNormActivation.Create(3, firstconvOutputChannels, kernelSize: 3, stride: 2, norm: normLayer, activation: () => new SiLU()));

        // building inverted residual blocks
        int totalStageBlocks = invertedResidualSetting.Sum(cnf => cnf.NumLayers);
        int stageBlockId = 0;
        foreach (MBConvConfigBase cnf in invertedResidualSetting)
        {
            var stage = new List<ILayer>();
            for (int i = 0; i < cnf.NumLayers; i++)
            {
                // copy to avoid modifications. shallow copy is enough
                MBConvConfigBase blockCnf = cnf.Copy();

                // overwrite info if not the first conv in the stage
                if (stage.Count > 0)
                {
                    blockCnf.InputChannels = blockCnf.OutChannels;
                    blockCnf.Stride = 1;
                }

                // adjust stochastic depth probability based on the depth of the stage block
                float sdProb = (float)(stochasticDepthProb * (double)stageBlockId / totalStageBlocks);

                stage.Add(blockCnf.Block(blockCnf, sdProb, normLayer));
                stageBlockId++;
            }

            layers.Add(new Sequential([.. stage]));
        }

        // building last several layers
        int lastconvInputChannels = invertedResidualSetting[^1].OutChannels;
        int lastconvOutputChannels = lastChannel ?? (4 * lastconvInputChannels);
        layers.Add(Conv2dNormActivation.Create(lastconvInputChannels, lastconvOutputChannels, kernelSize: 1, norm: normLayer, activation: () => new SiLU()));

        _features = Register("features", new Sequential([.. layers]));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d(1));
        _classifier = Register("classifier", new Sequential(new Dropout(dropout), new Linear(lastconvOutputChannels, numClasses)));

        InitializeWeights(random ?? new Random());
    }

    /// <summary>
    /// torchvision's initialization: convolutions kaiming-normal (fan_out) with zero biases, normalizations weight 1
    /// and bias 0, linear layers U(−1/√out, 1/√out) with zero biases.
    /// </summary>
    private void InitializeWeights(Random random)
    {
        foreach ((_, ILayer layer) in NamedModules())
        {
            switch (layer)
            {
                case Conv2d conv:
                    ScaledInit.KaimingNormalFanOut(conv, random);
                    break;
                case BatchNorm2d norm:
                    ScaledInit.OnesZeros(norm.Weight, norm.Bias);
                    break;
                case Linear linear:
                    double initRange = 1.0 / Math.Sqrt(linear.OutFeatures);
                    Init.Uniform(linear.Weight.Value, -initRange, initRange, random);
                    linear.Bias?.Value.AsSpan().Clear();
                    break;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);

        x = _avgpool.Forward(x);
        x = x.Flatten(1);

        x = _classifier.Forward(x);

        return x;
    }
}
