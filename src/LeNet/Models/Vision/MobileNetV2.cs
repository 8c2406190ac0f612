using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>mobilenetv2.InvertedResidual</c> (Sandler et al.): a 1×1 expansion (when the expand ratio is not 1),
/// a 3×3 depthwise convolution, both with BatchNorm and ReLU6, then a linear 1×1 projection with BatchNorm, in a
/// Sequential <c>conv</c>; the input is added when the stride is 1 and the channels agree.
/// <c>[N, inp, H, W] → [N, oup, H / stride, W / stride]</c>.
/// </summary>
public sealed class InvertedResidual : Module
{
    private readonly Sequential _conv;

    /// <summary>Creates the block, like <c>InvertedResidual(inp, oup, stride, expand_ratio, norm_layer=None)</c>.</summary>
    /// <param name="inp">Input channels.</param>
    /// <param name="oup">Output channels.</param>
    /// <param name="stride">1 or 2, the depthwise convolution's stride.</param>
    /// <param name="expandRatio">The hidden channels' multiple of <paramref name="inp"/> (t in the paper).</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/>.</param>
    /// <exception cref="ArgumentException">The stride is not 1 or 2.</exception>
    public InvertedResidual(int inp, int oup, int stride, int expandRatio, Func<int, Layer>? normLayer = null)
    {
        Stride = stride;
        if (stride is not (1 or 2))
        {
            throw new ArgumentException($"InvertedResidual: stride should be 1 or 2, got {stride}.", nameof(stride));
        }

        normLayer ??= channels => new BatchNorm2d(channels);

        int hiddenDim = inp * expandRatio;
        UseResConnect = Stride == 1 && inp == oup;

        var layers = new List<ILayer>();
        if (expandRatio != 1)
        {
            // pw
            layers.Add(Conv2dNormActivation.Create(inp, hiddenDim, kernelSize: 1, norm: normLayer, activation: () => new ReLU6()));
        }

        layers.AddRange(
        [
            // dw
            Conv2dNormActivation.Create(hiddenDim, hiddenDim, stride: stride, groups: hiddenDim, norm: normLayer, activation: () => new ReLU6()),

            // pw-linear
            new Conv2d(hiddenDim, oup, 1, 1, 0, bias: false),
            normLayer(oup),
        ]);
        _conv = Register("conv", new Sequential([.. layers]));
        OutChannels = oup;
    }

    /// <summary>The depthwise convolution's stride.</summary>
    public int Stride { get; }

    /// <summary>Whether the input is added to the output (stride 1 and as many input as output channels).</summary>
    public bool UseResConnect { get; }

    /// <summary>The output channels.</summary>
    public int OutChannels { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, inp, H, W] → [N, oup, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input) =>
        UseResConnect ? input + _conv.Forward(input) : _conv.Forward(input);
}

/// <summary>
/// torchvision's <c>MobileNetV2</c> (Sandler et al., "MobileNetV2: Inverted Residuals and Linear Bottlenecks"):
/// <c>features</c> (a strided 3×3 stem, the inverted residual blocks, a 1×1 convolution to 1280 channels), global
/// average pooling and <c>classifier</c> (Dropout, Linear). <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
public sealed class MobileNetV2 : Module
{
    private readonly Sequential _features;
    private readonly Sequential _classifier;

    /// <summary>
    /// Creates the model, like <c>MobileNetV2(num_classes=1000, width_mult=1.0, inverted_residual_setting=None,
    /// round_nearest=8, block=None, norm_layer=None, dropout=0.2)</c>, initialized as torchvision does.
    /// </summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="widthMult">Multiplies every layer's channels.</param>
    /// <param name="invertedResidualSetting">Rows (t, c, n, s): expand ratio, output channels, repeats, first stride; null for the paper's.</param>
    /// <param name="roundNearest">Channels are rounded to a multiple of this (1 turns rounding off).</param>
    /// <param name="block">Makes a block from (inp, oup, stride, expandRatio, normLayer); null for <see cref="InvertedResidual"/>.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/>.</param>
    /// <param name="dropout">The classifier's dropout probability.</param>
    /// <exception cref="ArgumentException">The setting is empty or its rows do not have 4 elements.</exception>
    public MobileNetV2(
        int numClasses = 1000,
        double widthMult = 1.0,
        IReadOnlyList<int[]>? invertedResidualSetting = null,
        int roundNearest = 8,
        Func<int, int, int, int, Func<int, Layer>, Module>? block = null,
        Func<int, Layer>? normLayer = null,
        float dropout = 0.2f)
    {
        block ??= (inp, oup, stride, expandRatio, norm) => new InvertedResidual(inp, oup, stride, expandRatio, norm);
        normLayer ??= channels => new BatchNorm2d(channels);

        int inputChannel = 32;
        int lastChannel = 1280;

        invertedResidualSetting ??=
        [
            // t, c, n, s
            [1, 16, 1, 1],
            [6, 24, 2, 2],
            [6, 32, 3, 2],
            [6, 64, 4, 2],
            [6, 96, 3, 1],
            [6, 160, 3, 2],
            [6, 320, 1, 1],
        ];

        // only check the first element, assuming user knows t,c,n,s are required
        if (invertedResidualSetting.Count == 0 || invertedResidualSetting[0].Length != 4)
        {
            throw new ArgumentException("MobileNetV2: inverted_residual_setting should be non-empty with rows of 4 elements (t, c, n, s).", nameof(invertedResidualSetting));
        }

        // building first layer
        inputChannel = MobileInit.MakeDivisible(inputChannel * widthMult, roundNearest);
        LastChannel = MobileInit.MakeDivisible(lastChannel * Math.Max(1.0, widthMult), roundNearest);
        var features = new List<ILayer>
        {
            Conv2dNormActivation.Create(3, inputChannel, stride: 2, norm: normLayer, activation: () => new ReLU6()),
        };

        // building inverted residual blocks
        foreach (int[] row in invertedResidualSetting)
        {
            (int t, int c, int n, int s) = (row[0], row[1], row[2], row[3]);
            int outputChannel = MobileInit.MakeDivisible(c * widthMult, roundNearest);
            for (int i = 0; i < n; i++)
            {
                int stride = i == 0 ? s : 1;
                features.Add(block(inputChannel, outputChannel, stride, t, normLayer));
                inputChannel = outputChannel;
            }
        }

        // building last several layers
        features.Add(Conv2dNormActivation.Create(inputChannel, LastChannel, kernelSize: 1, norm: normLayer, activation: () => new ReLU6()));

        // make it nn.Sequential
        _features = Register("features", new Sequential([.. features]));

        // building classifier
        _classifier = Register("classifier", new Sequential(
            new Dropout(dropout),
            new Linear(LastChannel, numClasses)));

        // weight initialization
        MobileInit.InitializeLikeMobileNet(this, Random.Shared);
    }

    /// <summary>The channels of the last convolution (the classifier's input features).</summary>
    public int LastChannel { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);

        // Cannot use "squeeze" as batch-size can be 1
        x = F.AdaptiveAvgPool2d(x, (1, 1));
        x = x.Flatten(1);
        return _classifier.Forward(x);
    }
}
