using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>convnext.LayerNorm2d</c>: a <see cref="LayerNorm"/> over the channels of an image tensor — permute
/// to channels-last, normalize the last dimension, permute back. <c>[N, C, H, W] → [N, C, H, W]</c>.
/// </summary>
/// <remarks>Like torchvision's (a subclass of <c>nn.LayerNorm</c>), its parameters are its own: keys <c>weight</c> and <c>bias</c>, shape <c>[C]</c>.</remarks>
public sealed class LayerNorm2d : Module
{
    private readonly int[] _normalizedShape;

    /// <summary>Creates the normalization, like <c>LayerNorm2d(normalized_shape, eps=1e-05, elementwise_affine=True)</c>: weight ones, bias zeros.</summary>
    /// <param name="normalizedShape">C, the channels.</param>
    /// <param name="eps">Added to the variance (ConvNeXt uses 1e-6).</param>
    public LayerNorm2d(int normalizedShape, float eps = 1e-5f)
    {
        _normalizedShape = [normalizedShape];
        var weight = new Tensor(normalizedShape);
        weight.AsSpan().Fill(1f);
        Weight = RegisterParameter("weight", weight);
        Bias = RegisterParameter("bias", new Tensor(normalizedShape));
        Eps = eps;
    }

    /// <summary>The scale γ, shape <c>[C]</c>.</summary>
    public Parameter Weight { get; }

    /// <summary>The shift β, shape <c>[C]</c>.</summary>
    public Parameter Bias { get; }

    /// <summary>Added to the variance before the square root.</summary>
    public float Eps { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H, W]</c>, each pixel's C values normalized together.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = input.Permute(0, 2, 3, 1);
        x = F.LayerNorm(x, _normalizedShape, Weight, Bias, Eps);
        x = x.Permute(0, 3, 1, 2);
        return x;
    }
}

/// <summary>
/// torchvision's <c>CNBlock</c>, ConvNeXt's block: a 7×7 depthwise convolution, a channels-last LayerNorm, a
/// 4× inverted-bottleneck MLP with GELU, scaled per channel by <c>layer_scale</c> <c>[C, 1, 1]</c>, through
/// stochastic depth, plus the input. <c>[N, C, H, W] → [N, C, H, W]</c>.
/// </summary>
public sealed class CNBlock : Module
{
    private readonly Sequential _block;
    private readonly Parameter _layerScale;
    private readonly StochasticDepth _stochasticDepth;

    /// <summary>Creates the block, like <c>CNBlock(dim, layer_scale, stochastic_depth_prob, norm_layer=None)</c>.</summary>
    /// <param name="dim">C, the channels.</param>
    /// <param name="layerScale">The initial value of every element of <c>layer_scale</c>.</param>
    /// <param name="stochasticDepthProb">The probability of dropping the residual branch in training.</param>
    /// <param name="normLayer">Makes the channels-last normalization; null for <see cref="LayerNorm"/> with eps 1e-6.</param>
    public CNBlock(int dim, float layerScale, float stochasticDepthProb, Func<int, Layer>? normLayer = null)
    {
        normLayer ??= channels => new LayerNorm(channels, eps: 1e-6f);

        _block = Register("block", new Sequential(
            new Conv2d(dim, dim, kernelSize: 7, padding: 3, groups: dim, bias: true),
            new Permute([0, 2, 3, 1]),
            normLayer(dim),
            new Linear(inFeatures: dim, outFeatures: 4 * dim, bias: true),
            new GELU(),
            new Linear(inFeatures: 4 * dim, outFeatures: dim, bias: true),
            new Permute([0, 3, 1, 2])));
        var scale = new Tensor(dim, 1, 1);
        scale.AsSpan().Fill(layerScale);
        _layerScale = RegisterParameter("layer_scale", scale);
        _stochasticDepth = Register("stochastic_depth", new StochasticDepth(stochasticDepthProb, "row"));
    }

    /// <summary>The per-channel scale of the residual branch, shape <c>[C, 1, 1]</c> (torchvision's <c>layer_scale</c>).</summary>
    public Parameter LayerScale => _layerScale;

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor result = _layerScale.Value * _block.Forward(input);
        result = _stochasticDepth.Forward(result);
        result += input;
        return result;
    }
}

/// <summary>torchvision's <c>CNBlockConfig</c>: one ConvNeXt stage (Section 3 of the paper) — its channels, the next stage's (null for the last) and its number of blocks.</summary>
/// <param name="InputChannels">The stage's channels.</param>
/// <param name="OutChannels">The channels after the downsampling that follows the stage; null for the last stage (no downsampling).</param>
/// <param name="NumLayers">The number of <see cref="CNBlock"/>s.</param>
public sealed record CNBlockConfig(int InputChannels, int? OutChannels, int NumLayers);

/// <summary>
/// torchvision's <c>ConvNeXt</c> (Liu et al., "A ConvNet for the 2020s", 2022): a 4×4 stride-4 patchify stem with
/// <see cref="LayerNorm2d"/>, stages of <see cref="CNBlock"/>s separated by LayerNorm2d + 2×2 stride-2 convolutions,
/// global average pooling and a LayerNorm2d, flatten, linear classifier. <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// State-dict keys are torchvision's (<c>features.1.0.layer_scale</c>, <c>features.1.0.block.3.weight</c>,
/// <c>classifier.2.weight</c>). There is no BatchNorm: training and evaluation differ only by the blocks' stochastic
/// depth (probability growing linearly with the block's index up to <c>stochasticDepthProb</c>).
/// </remarks>
public sealed class ConvNeXt : Module
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <summary>
    /// Creates the network, like <c>ConvNeXt(block_setting, stochastic_depth_prob=0.0, layer_scale=1e-6,
    /// num_classes=1000, block=None, norm_layer=None)</c>.
    /// </summary>
    /// <param name="blockSetting">The stages, in order.</param>
    /// <param name="stochasticDepthProb">The last block's stochastic-depth probability (the first block's is 0).</param>
    /// <param name="layerScale">The initial <c>layer_scale</c> of every block.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="block">Makes a block from (dim, layer_scale, stochastic_depth_prob); null for <see cref="CNBlock"/>.</param>
    /// <param name="normLayer">Makes the channels-first normalization; null for <see cref="LayerNorm2d"/> with eps 1e-6.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    /// <exception cref="ArgumentException">The setting is empty.</exception>
    public ConvNeXt(
        IReadOnlyList<CNBlockConfig> blockSetting,
        float stochasticDepthProb = 0.0f,
        float layerScale = 1e-6f,
        int numClasses = 1000,
        Func<int, float, float, Layer>? block = null,
        Func<int, Layer>? normLayer = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(blockSetting);
        if (blockSetting.Count == 0)
        {
            throw new ArgumentException("ConvNeXt: the block_setting should not be empty.", nameof(blockSetting));
        }

        block ??= (dim, scale, sdProb) => new CNBlock(dim, scale, sdProb);
        normLayer ??= channels => new LayerNorm2d(channels, eps: 1e-6f);

        var layers = new List<ILayer>();

        // Stem
        int firstconvOutputChannels = blockSetting[0].InputChannels;
        layers.Add(Conv2dNormActivation.Create(
            3, firstconvOutputChannels, kernelSize: 4, stride: 4, padding: 0, norm: normLayer, activation: () => null, bias: true));

        int totalStageBlocks = blockSetting.Sum(cnf => cnf.NumLayers);
        int stageBlockId = 0;
        foreach (CNBlockConfig cnf in blockSetting)
        {
            // Bottlenecks
            var stage = new List<ILayer>();
            for (int i = 0; i < cnf.NumLayers; i++)
            {
                // adjust stochastic depth probability based on the depth of the stage block
                float sdProb = (float)(stochasticDepthProb * (double)stageBlockId / (totalStageBlocks - 1.0));
                stage.Add(block(cnf.InputChannels, layerScale, sdProb));
                stageBlockId++;
            }

            layers.Add(new Sequential([.. stage]));
            if (cnf.OutChannels is { } outChannels)
            {
                // Downsampling
                layers.Add(new Sequential(
                    normLayer(cnf.InputChannels),
                    new Conv2d(cnf.InputChannels, outChannels, kernelSize: 2, stride: 2)));
            }
        }

        _features = Register("features", new Sequential([.. layers]));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d(1));

        CNBlockConfig lastblock = blockSetting[^1];
        int lastconvOutputChannels = lastblock.OutChannels ?? lastblock.InputChannels;
        _classifier = Register("classifier", new Sequential(
            normLayer(lastconvOutputChannels), new Flatten(), new Linear(lastconvOutputChannels, numClasses)));

        InitializeWeights(random ?? new Random());
    }

    /// <summary>torchvision's initialization: convolution and linear weights truncated-normal with std 0.02, their biases zero.</summary>
    private void InitializeWeights(Random random)
    {
        foreach ((_, ILayer layer) in NamedModules())
        {
            (Parameter? weight, Parameter? bias) = layer switch
            {
                Conv2d conv => (conv.Weight, conv.Bias),
                Linear linear => (linear.Weight, linear.Bias),
                _ => (null, null),
            };
            if (weight is not null)
            {
                ScaledInit.TruncatedNormal(weight.Value.AsSpan(), 0.02, random);
                bias?.Value.AsSpan().Clear();
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);
        x = _avgpool.Forward(x);
        x = _classifier.Forward(x);
        return x;
    }
}
