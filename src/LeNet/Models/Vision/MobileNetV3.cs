using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>mobilenetv3.InvertedResidualConfig</c>: one row of Tables 1 and 2 of the MobileNetV3 paper
/// (input, expanded and output channels scaled by the width multiplier, kernel, squeeze-and-excitation, activation,
/// stride, dilation).
/// </summary>
public sealed class InvertedResidualConfig
{
    /// <summary>
    /// Creates the row, like <c>InvertedResidualConfig(input_channels, kernel, expanded_channels, out_channels, use_se,
    /// activation, stride, dilation, width_mult)</c>.
    /// </summary>
    /// <param name="inputChannels">Input channels before the width multiplier.</param>
    /// <param name="kernel">The depthwise convolution's kernel size.</param>
    /// <param name="expandedChannels">Hidden channels before the width multiplier.</param>
    /// <param name="outChannels">Output channels before the width multiplier.</param>
    /// <param name="useSe">Whether the block has a squeeze-and-excitation after the depthwise convolution.</param>
    /// <param name="activation"><c>"HS"</c> for Hardswish, anything else (<c>"RE"</c>) for ReLU.</param>
    /// <param name="stride">The depthwise convolution's stride (ignored when dilated).</param>
    /// <param name="dilation">The depthwise convolution's dilation.</param>
    /// <param name="widthMult">Multiplies the channels (then rounded to a multiple of 8).</param>
    public InvertedResidualConfig(int inputChannels, int kernel, int expandedChannels, int outChannels, bool useSe, string activation, int stride, int dilation, double widthMult)
    {
        InputChannels = AdjustChannels(inputChannels, widthMult);
        Kernel = kernel;
        ExpandedChannels = AdjustChannels(expandedChannels, widthMult);
        OutChannels = AdjustChannels(outChannels, widthMult);
        UseSe = useSe;
        UseHs = activation == "HS";
        Stride = stride;
        Dilation = dilation;
    }

    /// <summary>The block's input channels.</summary>
    public int InputChannels { get; }

    /// <summary>The depthwise convolution's kernel size.</summary>
    public int Kernel { get; }

    /// <summary>The block's hidden channels.</summary>
    public int ExpandedChannels { get; }

    /// <summary>The block's output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Whether the block has a squeeze-and-excitation.</summary>
    public bool UseSe { get; }

    /// <summary>Whether the block's activation is Hardswish (otherwise ReLU).</summary>
    public bool UseHs { get; }

    /// <summary>The depthwise convolution's stride.</summary>
    public int Stride { get; }

    /// <summary>The depthwise convolution's dilation.</summary>
    public int Dilation { get; }

    /// <summary><c>adjust_channels(channels, width_mult)</c>: <c>_make_divisible(channels · width_mult, 8)</c>.</summary>
    /// <param name="channels">Channels before the width multiplier.</param>
    /// <param name="widthMult">The width multiplier.</param>
    /// <returns>The scaled channels, a multiple of 8.</returns>
    public static int AdjustChannels(int channels, double widthMult) => MobileInit.MakeDivisible(channels * widthMult, 8);
}

/// <summary>
/// torchvision's <c>MobileNetV3</c> (Howard et al., "Searching for MobileNetV3"): <c>features</c> (a strided 3×3 stem
/// with Hardswish, the inverted residual blocks, a 1×1 convolution to 6× the last block's channels), <c>avgpool</c>
/// and <c>classifier</c> (Linear, Hardswish, Dropout, Linear). BatchNorm has eps 0.001 and momentum 0.01.
/// <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
public sealed class MobileNetV3 : Module
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <summary>
    /// Creates the model, like <c>MobileNetV3(inverted_residual_setting, last_channel, num_classes=1000, block=None,
    /// norm_layer=None, dropout=0.2)</c>, initialized as torchvision does. <see cref="Configuration"/> gives the settings
    /// of <c>mobilenet_v3_large</c> and <c>mobilenet_v3_small</c>.
    /// </summary>
    /// <param name="invertedResidualSetting">The blocks' rows.</param>
    /// <param name="lastChannel">The classifier's hidden features.</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="block">Makes a block from a row and the normalization; null for <see cref="InvertedResidual"/>.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/> with eps 0.001, momentum 0.01.</param>
    /// <param name="dropout">The classifier's dropout probability.</param>
    /// <exception cref="ArgumentException">The setting is empty.</exception>
    public MobileNetV3(
        IReadOnlyList<InvertedResidualConfig> invertedResidualSetting,
        int lastChannel,
        int numClasses = 1000,
        Func<InvertedResidualConfig, Func<int, Layer>, Module>? block = null,
        Func<int, Layer>? normLayer = null,
        float dropout = 0.2f)
    {
        ArgumentNullException.ThrowIfNull(invertedResidualSetting);
        if (invertedResidualSetting.Count == 0)
        {
            throw new ArgumentException("MobileNetV3: the inverted_residual_setting should not be empty.", nameof(invertedResidualSetting));
        }

        block ??= (cnf, norm) => new InvertedResidual(cnf, norm);
        normLayer ??= channels => new BatchNorm2d(channels, eps: 0.001f, momentum: 0.01f);

        var layers = new List<ILayer>();

        // building first layer
        int firstconvOutputChannels = invertedResidualSetting[0].InputChannels;
        layers.Add(Conv2dNormActivation.Create(3, firstconvOutputChannels, kernelSize: 3, stride: 2, norm: normLayer, activation: () => new Hardswish()));

        // building inverted residual blocks
        foreach (InvertedResidualConfig cnf in invertedResidualSetting)
        {
            layers.Add(block(cnf, normLayer));
        }

        // building last several layers
        int lastconvInputChannels = invertedResidualSetting[^1].OutChannels;
        int lastconvOutputChannels = 6 * lastconvInputChannels;
        layers.Add(Conv2dNormActivation.Create(lastconvInputChannels, lastconvOutputChannels, kernelSize: 1, norm: normLayer, activation: () => new Hardswish()));

        _features = Register("features", new Sequential([.. layers]));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d(1));
        _classifier = Register("classifier", new Sequential(
            new Linear(lastconvOutputChannels, lastChannel),
            new Hardswish(),
            new Dropout(dropout),
            new Linear(lastChannel, numClasses)));

        MobileInit.InitializeLikeMobileNet(this, Random.Shared);
    }

    /// <summary>
    /// torchvision's <c>_mobilenet_v3_conf(arch, width_mult, reduced_tail, dilated)</c>: the blocks' rows and the
    /// classifier's hidden features of <c>"mobilenet_v3_large"</c> or <c>"mobilenet_v3_small"</c>.
    /// </summary>
    /// <param name="arch"><c>"mobilenet_v3_large"</c> or <c>"mobilenet_v3_small"</c>.</param>
    /// <param name="widthMult">Multiplies every block's channels.</param>
    /// <param name="reducedTail">Halves the channels of the last stage (C4) and the classifier.</param>
    /// <param name="dilated">Dilates the last stage by 2 instead of striding.</param>
    /// <returns>The rows and the last channel count.</returns>
    /// <exception cref="ArgumentException">Another architecture name.</exception>
    public static (IReadOnlyList<InvertedResidualConfig> InvertedResidualSetting, int LastChannel) Configuration(string arch, double widthMult = 1.0, bool reducedTail = false, bool dilated = false)
    {
        int reduceDivider = reducedTail ? 2 : 1;
        int dilation = dilated ? 2 : 1;

        InvertedResidualConfig BneckConf(int inputChannels, int kernel, int expandedChannels, int outChannels, bool useSe, string activation, int stride, int d) =>
            new(inputChannels, kernel, expandedChannels, outChannels, useSe, activation, stride, d, widthMult);
        int AdjustChannels(int channels) => InvertedResidualConfig.AdjustChannels(channels, widthMult);

        InvertedResidualConfig[] invertedResidualSetting;
        int lastChannel;
        if (arch == "mobilenet_v3_large")
        {
            invertedResidualSetting =
            [
                BneckConf(16, 3, 16, 16, false, "RE", 1, 1),
                BneckConf(16, 3, 64, 24, false, "RE", 2, 1), // C1
                BneckConf(24, 3, 72, 24, false, "RE", 1, 1),
                BneckConf(24, 5, 72, 40, true, "RE", 2, 1), // C2
                BneckConf(40, 5, 120, 40, true, "RE", 1, 1),
                BneckConf(40, 5, 120, 40, true, "RE", 1, 1),
                BneckConf(40, 3, 240, 80, false, "HS", 2, 1), // C3
                BneckConf(80, 3, 200, 80, false, "HS", 1, 1),
                BneckConf(80, 3, 184, 80, false, "HS", 1, 1),
                BneckConf(80, 3, 184, 80, false, "HS", 1, 1),
                BneckConf(80, 3, 480, 112, true, "HS", 1, 1),
                BneckConf(112, 3, 672, 112, true, "HS", 1, 1),
                BneckConf(112, 5, 672, 160 / reduceDivider, true, "HS", 2, dilation), // C4
                BneckConf(160 / reduceDivider, 5, 960 / reduceDivider, 160 / reduceDivider, true, "HS", 1, dilation),
                BneckConf(160 / reduceDivider, 5, 960 / reduceDivider, 160 / reduceDivider, true, "HS", 1, dilation),
            ];
            lastChannel = AdjustChannels(1280 / reduceDivider); // C5
        }
        else if (arch == "mobilenet_v3_small")
        {
            invertedResidualSetting =
            [
                BneckConf(16, 3, 16, 16, true, "RE", 2, 1), // C1
                BneckConf(16, 3, 72, 24, false, "RE", 2, 1), // C2
                BneckConf(24, 3, 88, 24, false, "RE", 1, 1),
                BneckConf(24, 5, 96, 40, true, "HS", 2, 1), // C3
                BneckConf(40, 5, 240, 40, true, "HS", 1, 1),
                BneckConf(40, 5, 240, 40, true, "HS", 1, 1),
                BneckConf(40, 5, 120, 48, true, "HS", 1, 1),
                BneckConf(48, 5, 144, 48, true, "HS", 1, 1),
                BneckConf(48, 5, 288, 96 / reduceDivider, true, "HS", 2, dilation), // C4
                BneckConf(96 / reduceDivider, 5, 576 / reduceDivider, 96 / reduceDivider, true, "HS", 1, dilation),
                BneckConf(96 / reduceDivider, 5, 576 / reduceDivider, 96 / reduceDivider, true, "HS", 1, dilation),
            ];
            lastChannel = AdjustChannels(1024 / reduceDivider); // C5
        }
        else
        {
            throw new ArgumentException($"MobileNetV3: unsupported model type {arch}; expected mobilenet_v3_large or mobilenet_v3_small.", nameof(arch));
        }

        return (invertedResidualSetting, lastChannel);
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);

        x = _avgpool.Forward(x);
        x = x.Flatten(1);

        return _classifier.Forward(x);
    }

    /// <summary>
    /// torchvision's <c>mobilenetv3.InvertedResidual</c> (section 5 of the paper): an optional 1×1 expansion, a
    /// depthwise k×k convolution (both with BatchNorm and ReLU or Hardswish), an optional squeeze-and-excitation
    /// (ReLU, Hardsigmoid), and a linear 1×1 projection with BatchNorm, in a Sequential <c>block</c>; the input is added
    /// when the stride is 1 and the channels agree. <c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.
    /// </summary>
    public sealed class InvertedResidual : Module
    {
        private readonly Sequential _block;

        /// <summary>Creates the block, like <c>InvertedResidual(cnf, norm_layer, se_layer=partial(SElayer, scale_activation=nn.Hardsigmoid))</c>.</summary>
        /// <param name="cnf">The block's row.</param>
        /// <param name="normLayer">Makes the normalization for a channel count.</param>
        /// <param name="seLayer">Makes the squeeze-and-excitation from (channels, squeeze channels); null for <see cref="SqueezeExcitation"/> with Hardsigmoid.</param>
        /// <exception cref="ArgumentException">The stride is not 1 or 2.</exception>
        public InvertedResidual(InvertedResidualConfig cnf, Func<int, Layer> normLayer, Func<int, int, Layer>? seLayer = null)
        {
            ArgumentNullException.ThrowIfNull(cnf);
            ArgumentNullException.ThrowIfNull(normLayer);
            seLayer ??= (channels, squeeze) => new SqueezeExcitation(channels, squeeze, scaleActivation: () => new Hardsigmoid());
            if (cnf.Stride is not (1 or 2))
            {
                throw new ArgumentException($"InvertedResidual: illegal stride value {cnf.Stride}.", nameof(cnf));
            }

            UseResConnect = cnf.Stride == 1 && cnf.InputChannels == cnf.OutChannels;

            var layers = new List<ILayer>();
            Func<Layer> activationLayer = cnf.UseHs ? () => new Hardswish() : () => new ReLU();

            // expand
            if (cnf.ExpandedChannels != cnf.InputChannels)
            {
                layers.Add(Conv2dNormActivation.Create(cnf.InputChannels, cnf.ExpandedChannels, kernelSize: 1, norm: normLayer, activation: activationLayer));
            }

            // depthwise
            int stride = cnf.Dilation > 1 ? 1 : cnf.Stride;
            layers.Add(Conv2dNormActivation.Create(
                cnf.ExpandedChannels,
                cnf.ExpandedChannels,
                kernelSize: cnf.Kernel,
                stride: stride,
                dilation: cnf.Dilation,
                groups: cnf.ExpandedChannels,
                norm: normLayer,
                activation: activationLayer));
            if (cnf.UseSe)
            {
                int squeezeChannels = MobileInit.MakeDivisible(cnf.ExpandedChannels / 4, 8);
                layers.Add(seLayer(cnf.ExpandedChannels, squeezeChannels));
            }

            // project
            layers.Add(Conv2dNormActivation.Create(cnf.ExpandedChannels, cnf.OutChannels, kernelSize: 1, norm: normLayer, activation: () => null));

            _block = Register("block", new Sequential([.. layers]));
            OutChannels = cnf.OutChannels;
        }

        /// <summary>Whether the input is added to the output (stride 1 and as many input as output channels).</summary>
        public bool UseResConnect { get; }

        /// <summary>The output channels.</summary>
        public int OutChannels { get; }

        /// <inheritdoc/>
        /// <remarks><c>[N, in, H, W] → [N, out, H / stride, W / stride]</c>.</remarks>
        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor result = _block.Forward(input);
            if (UseResConnect)
            {
                result += input;
            }

            return result;
        }
    }
}
