using System.Globalization;
using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>SimpleStemIN</c>, RegNet's stem for ImageNet: a stride-2 3×3 convolution, a normalization and
/// an activation — a <see cref="Conv2dNormActivation"/> (so its keys are <c>0.weight</c>, <c>1.weight</c>, …).
/// <c>[N, widthIn, H, W] → [N, widthOut, H / 2, W / 2]</c>.
/// </summary>
public static class SimpleStemIN
{
    /// <summary>Creates the stem, like <c>SimpleStemIN(width_in, width_out, norm_layer, activation_layer)</c>.</summary>
    /// <param name="widthIn">Input channels.</param>
    /// <param name="widthOut">Output channels.</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <param name="activationLayer">Makes the activation.</param>
    /// <returns>A Sequential of the convolution, the normalization and the activation.</returns>
    public static Sequential Create(int widthIn, int widthOut, Func<int, Layer> normLayer, Func<Layer> activationLayer) =>
        Conv2dNormActivation.Create(widthIn, widthOut, kernelSize: 3, stride: 2, norm: normLayer, activation: activationLayer);
}

/// <summary>
/// torchvision's <c>BottleneckTransform</c>: 1×1, 3×3 grouped [+ squeeze-and-excitation], 1×1, as a
/// <see cref="Sequential"/> with the children <c>a</c>, <c>b</c>, <c>se</c> (when there is one) and <c>c</c>.
/// <c>[N, widthIn, H, W] → [N, widthOut, H / stride, W / stride]</c>.
/// </summary>
public static class BottleneckTransform
{
    /// <summary>
    /// Creates the transformation, like <c>BottleneckTransform(width_in, width_out, stride, norm_layer,
    /// activation_layer, group_width, bottleneck_multiplier, se_ratio)</c>: the bottleneck has
    /// <c>round(widthOut · bottleneckMultiplier)</c> channels in groups of <paramref name="groupWidth"/>.
    /// </summary>
    /// <param name="widthIn">Input channels.</param>
    /// <param name="widthOut">Output channels.</param>
    /// <param name="stride">The 3×3 convolution's stride.</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <param name="activationLayer">Makes the activation (also the squeeze-and-excitation's).</param>
    /// <param name="groupWidth">Channels per group of the 3×3 convolution.</param>
    /// <param name="bottleneckMultiplier">Bottleneck channels over output channels.</param>
    /// <param name="seRatio">Squeeze channels over <paramref name="widthIn"/>; null or 0 for no squeeze-and-excitation.</param>
    /// <returns>The named Sequential.</returns>
    public static Sequential Create(
        int widthIn,
        int widthOut,
        int stride,
        Func<int, Layer> normLayer,
        Func<Layer> activationLayer,
        int groupWidth,
        double bottleneckMultiplier,
        double? seRatio)
    {
        var layers = new List<(string Name, ILayer Layer)>();
        int wB = (int)Math.Round(widthOut * bottleneckMultiplier);
        int g = wB / groupWidth;

        layers.Add(("a", Conv2dNormActivation.Create(widthIn, wB, kernelSize: 1, stride: 1, norm: normLayer, activation: activationLayer)));
        layers.Add(("b", Conv2dNormActivation.Create(wB, wB, kernelSize: 3, stride: stride, groups: g, norm: normLayer, activation: activationLayer)));

        if (seRatio is { } ratio && ratio != 0)
        {
            // The SE reduction ratio is defined with respect to the
            // beginning of the block
            int widthSeOut = (int)Math.Round(ratio * widthIn);
            layers.Add(("se", new SqueezeExcitation(wB, widthSeOut, activation: activationLayer)));
        }

        layers.Add(("c", Conv2dNormActivation.Create(wB, widthOut, kernelSize: 1, stride: 1, norm: normLayer, activation: () => null)));
        return new Sequential([.. layers]);
    }
}

/// <summary>
/// torchvision's <c>ResBottleneckBlock</c>: <c>activation(x + f(x))</c> with f a <see cref="BottleneckTransform"/>, the
/// skip connection projected by a strided 1×1 convolution and a normalization (<c>proj</c>) when the shape changes.
/// <c>[N, widthIn, H, W] → [N, widthOut, H / stride, W / stride]</c>.
/// </summary>
public sealed class ResBottleneckBlock : Module
{
    private readonly Sequential? _proj;
    private readonly Sequential _f;
    private readonly Layer _activation;

    /// <summary>
    /// Creates the block, like <c>ResBottleneckBlock(width_in, width_out, stride, norm_layer, activation_layer,
    /// group_width=1, bottleneck_multiplier=1.0, se_ratio=None)</c>.
    /// </summary>
    /// <param name="widthIn">Input channels.</param>
    /// <param name="widthOut">Output channels.</param>
    /// <param name="stride">The stride.</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <param name="activationLayer">Makes the activation.</param>
    /// <param name="groupWidth">Channels per group of the 3×3 convolution.</param>
    /// <param name="bottleneckMultiplier">Bottleneck channels over output channels.</param>
    /// <param name="seRatio">Squeeze channels over <paramref name="widthIn"/>; null for no squeeze-and-excitation.</param>
    public ResBottleneckBlock(
        int widthIn,
        int widthOut,
        int stride,
        Func<int, Layer> normLayer,
        Func<Layer> activationLayer,
        int groupWidth = 1,
        double bottleneckMultiplier = 1.0,
        double? seRatio = null)
    {
        ArgumentNullException.ThrowIfNull(normLayer);
        ArgumentNullException.ThrowIfNull(activationLayer);

        // Use skip connection with projection if shape changes
        bool shouldProj = (widthIn != widthOut) || (stride != 1);
        if (shouldProj)
        {
            _proj = Register("proj", Conv2dNormActivation.Create(widthIn, widthOut, kernelSize: 1, stride: stride, norm: normLayer, activation: () => null));
        }

        _f = Register("f", BottleneckTransform.Create(widthIn, widthOut, stride, normLayer, activationLayer, groupWidth, bottleneckMultiplier, seRatio));
        _activation = Register("activation", activationLayer());
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, widthIn, H, W] → [N, widthOut, H / stride, W / stride]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _proj is not null ? _proj.Forward(input) + _f.Forward(input) : input + _f.Forward(input);
        return _activation.Forward(x);
    }
}

/// <summary>
/// torchvision's <c>AnyStage</c>: a stage of blocks with the same output shape, as a <see cref="Sequential"/> whose
/// children are named <c>block{stageIndex}-{i}</c> (torchvision's keys: <c>trunk_output.block1.block1-0.f.a.0.weight</c>).
/// <c>[N, widthIn, H, W] → [N, widthOut, H / stride, W / stride]</c>.
/// </summary>
public static class AnyStage
{
    /// <summary>
    /// Creates the stage, like <c>AnyStage(width_in, width_out, stride, depth, block_constructor, norm_layer,
    /// activation_layer, group_width, bottleneck_multiplier, se_ratio=None, stage_index=0)</c>.
    /// </summary>
    /// <param name="widthIn">The first block's input channels.</param>
    /// <param name="widthOut">Output channels of every block.</param>
    /// <param name="stride">The first block's stride (the others have 1).</param>
    /// <param name="depth">The number of blocks.</param>
    /// <param name="blockConstructor">Makes a block from (width_in, width_out, stride, norm_layer, activation_layer, group_width, bottleneck_multiplier, se_ratio).</param>
    /// <param name="normLayer">Makes the normalization for a channel count.</param>
    /// <param name="activationLayer">Makes the activation.</param>
    /// <param name="groupWidth">Channels per group.</param>
    /// <param name="bottleneckMultiplier">Bottleneck channels over output channels.</param>
    /// <param name="seRatio">Squeeze-and-excitation ratio; null for none.</param>
    /// <param name="stageIndex">The stage's number in the block names.</param>
    /// <returns>The named Sequential.</returns>
    public static Sequential Create(
        int widthIn,
        int widthOut,
        int stride,
        int depth,
        Func<int, int, int, Func<int, Layer>, Func<Layer>, int, double, double?, Layer> blockConstructor,
        Func<int, Layer> normLayer,
        Func<Layer> activationLayer,
        int groupWidth,
        double bottleneckMultiplier,
        double? seRatio = null,
        int stageIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(blockConstructor);
        var blocks = new (string Name, ILayer Layer)[depth];
        for (int i = 0; i < depth; i++)
        {
            Layer block = blockConstructor(
                i == 0 ? widthIn : widthOut,
                widthOut,
                i == 0 ? stride : 1,
                normLayer,
                activationLayer,
                groupWidth,
                bottleneckMultiplier,
                seRatio);

            blocks[i] = (string.Create(CultureInfo.InvariantCulture, $"block{stageIndex}-{i}"), block);
        }

        return new Sequential(blocks);
    }
}

/// <summary>
/// torchvision's <c>BlockParams</c>: RegNet's per-stage settings (depths, widths, group widths, bottleneck
/// multipliers, strides, squeeze-and-excitation ratio), usually computed by <see cref="FromInitParams"/> from the
/// design space's few parameters.
/// </summary>
public sealed class BlockParams
{
    /// <summary>Stores the per-stage settings, like <c>BlockParams(depths, widths, group_widths, bottleneck_multipliers, strides, se_ratio)</c>.</summary>
    /// <param name="depths">Blocks per stage.</param>
    /// <param name="widths">Output channels per stage.</param>
    /// <param name="groupWidths">Channels per group per stage.</param>
    /// <param name="bottleneckMultipliers">Bottleneck multiplier per stage.</param>
    /// <param name="strides">The first block's stride per stage.</param>
    /// <param name="seRatio">The squeeze-and-excitation ratio; null for none (RegNetX).</param>
    public BlockParams(IReadOnlyList<int> depths, IReadOnlyList<int> widths, IReadOnlyList<int> groupWidths, IReadOnlyList<double> bottleneckMultipliers, IReadOnlyList<int> strides, double? seRatio = null)
    {
        ArgumentNullException.ThrowIfNull(depths);
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(groupWidths);
        ArgumentNullException.ThrowIfNull(bottleneckMultipliers);
        ArgumentNullException.ThrowIfNull(strides);
        (Depths, Widths, GroupWidths, BottleneckMultipliers, Strides, SeRatio) = ([.. depths], [.. widths], [.. groupWidths], [.. bottleneckMultipliers], [.. strides], seRatio);
    }

    /// <summary>Blocks per stage.</summary>
    public IReadOnlyList<int> Depths { get; }

    /// <summary>Output channels per stage.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Channels per group of each stage's 3×3 convolutions.</summary>
    public IReadOnlyList<int> GroupWidths { get; }

    /// <summary>Bottleneck channels over output channels, per stage.</summary>
    public IReadOnlyList<double> BottleneckMultipliers { get; }

    /// <summary>Each stage's first block's stride.</summary>
    public IReadOnlyList<int> Strides { get; }

    /// <summary>Squeeze channels over a block's input channels; null for none.</summary>
    public double? SeRatio { get; }

    /// <summary>
    /// Computes every stage's settings from RegNet's parameters, like <c>BlockParams.from_init_params(depth, w_0,
    /// w_a, w_m, group_width, bottleneck_multiplier=1.0, se_ratio=None)</c>: block j's width is
    /// <c>w_0 · w_m^round(log(1 + j · w_a / w_0) / log(w_m))</c> quantized to a multiple of 8, consecutive blocks of
    /// equal width form a stage, and the widths are adjusted to the group widths.
    /// </summary>
    /// <remarks>
    /// The widths are computed in float32 as torchvision's tensors compute them (<c>torch.arange(depth) * w_a + w_0</c>
    /// is a float32 tensor, and so on), rounding half to even like <c>torch.round</c>; the adjustment in double as Python does.
    /// </remarks>
    /// <param name="depth">The total number of blocks.</param>
    /// <param name="w0">The initial width, a positive multiple of 8.</param>
    /// <param name="wA">The width slope, not negative.</param>
    /// <param name="wM">The width multiplier between stages, more than 1.</param>
    /// <param name="groupWidth">Channels per group.</param>
    /// <param name="bottleneckMultiplier">Bottleneck channels over output channels.</param>
    /// <param name="seRatio">The squeeze-and-excitation ratio; null for none.</param>
    /// <returns>The per-stage settings.</returns>
    /// <exception cref="ArgumentException">The parameters are not valid RegNet settings.</exception>
    public static BlockParams FromInitParams(int depth, int w0, double wA, double wM, int groupWidth, double bottleneckMultiplier = 1.0, double? seRatio = null)
    {
        const int Quant = 8;
        const int Stride = 2;

        if (wA < 0 || w0 <= 0 || wM <= 1 || w0 % 8 != 0)
        {
            throw new ArgumentException($"BlockParams: invalid RegNet settings (w_0={w0}, w_a={wA}, w_m={wM}).");
        }

        // Compute the block widths. Each stage has one unique block width
        float wAf = (float)wA, wMf = (float)wM, logWm = (float)Math.Log(wM);
        var blockWidths = new int[depth];
        for (int i = 0; i < depth; i++)
        {
            float widthsCont = i * wAf;
            widthsCont += w0;
            float blockCapacity = MathF.Round(MathF.Log(widthsCont / w0) / logWm, MidpointRounding.ToEven);
            float scaled = w0 * MathF.Pow(wMf, blockCapacity);
            blockWidths[i] = (int)(MathF.Round(scaled / Quant, MidpointRounding.ToEven) * Quant);
        }

        int numStages = blockWidths.Distinct().Count();

        // Convert to per stage parameters: a stage starts where the width changes (and one past the last block ends the last)
        var splits = new bool[depth + 1];
        for (int i = 0; i <= depth; i++)
        {
            int w = i < depth ? blockWidths[i] : 0;
            int wp = i > 0 ? blockWidths[i - 1] : 0;
            splits[i] = w != wp;
        }

        List<int> stageWidths = [.. Enumerable.Range(0, depth).Where(i => splits[i]).Select(i => blockWidths[i])];
        int[] starts = [.. Enumerable.Range(0, depth + 1).Where(i => splits[i])];
        List<int> stageDepths = [.. starts.Skip(1).Select((end, k) => end - starts[k])];

        var strides = Enumerable.Repeat(Stride, numStages).ToList();
        var bottleneckMultipliers = Enumerable.Repeat(bottleneckMultiplier, numStages).ToList();
        var groupWidths = Enumerable.Repeat(groupWidth, numStages).ToList();

        // Adjust the compatibility of stage widths and group widths
        (stageWidths, groupWidths) = AdjustWidthsGroupsCompatibility(stageWidths, bottleneckMultipliers, groupWidths);

        return new BlockParams(stageDepths, stageWidths, groupWidths, bottleneckMultipliers, strides, seRatio);
    }

    /// <summary>The stages' (width, stride, depth, group width, bottleneck multiplier), as far as every list reaches (Python's <c>zip</c>).</summary>
    /// <returns>One tuple per stage.</returns>
    public IEnumerable<(int Width, int Stride, int Depth, int GroupWidth, double BottleneckMultiplier)> GetExpandedParams()
    {
        int count = new[] { Widths.Count, Strides.Count, Depths.Count, GroupWidths.Count, BottleneckMultipliers.Count }.Min();
        for (int i = 0; i < count; i++)
        {
            yield return (Widths[i], Strides[i], Depths[i], GroupWidths[i], BottleneckMultipliers[i]);
        }
    }

    /// <summary>
    /// torchvision's <c>_adjust_widths_groups_compatibilty</c>: each bottleneck width made a multiple of its group
    /// width (a group width larger than the bottleneck shrinks to it), and the stage width recomputed from it.
    /// </summary>
    private static (List<int> StageWidths, List<int> GroupWidthsMin) AdjustWidthsGroupsCompatibility(List<int> stageWidths, List<double> bottleneckRatios, List<int> groupWidths)
    {
        // Compute all widths for the current settings
        List<int> widths = [.. stageWidths.Zip(bottleneckRatios, (w, b) => (int)(w * b))];
        List<int> groupWidthsMin = [.. groupWidths.Zip(widths, Math.Min)];

        // Compute the adjusted widths so that stage and group widths fit
        List<int> wsBot = [.. widths.Zip(groupWidthsMin, (wBot, g) => MobileInit.MakeDivisible(wBot, g))];
        List<int> adjusted = [.. wsBot.Zip(bottleneckRatios, (wBot, b) => (int)(wBot / b))];
        return (adjusted, groupWidthsMin);
    }
}

/// <summary>
/// torchvision's <c>RegNet</c> (Radosavovic et al., "Designing Network Design Spaces", 2020): a stem, stages of
/// residual bottleneck blocks (<see cref="AnyStage"/>, <see cref="ResBottleneckBlock"/>) whose widths and depths
/// come from <see cref="BlockParams"/>, global average pooling and a linear classifier.
/// <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>State-dict keys are torchvision's: <c>stem.0.weight</c>, <c>trunk_output.block1.block1-0.proj.0.weight</c>, <c>fc.weight</c>.</remarks>
public sealed class RegNet : Module
{
    private readonly Layer _stem;
    private readonly Sequential _trunkOutput;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Linear _fc;

    /// <summary>
    /// Creates the network, like <c>RegNet(block_params, num_classes=1000, stem_width=32, stem_type=None,
    /// block_type=None, norm_layer=None, activation=None)</c>.
    /// </summary>
    /// <param name="blockParams">The stages' settings.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="stemWidth">The stem's output channels.</param>
    /// <param name="stemType">Makes the stem from (width_in, width_out, norm_layer, activation); null for <see cref="SimpleStemIN"/>.</param>
    /// <param name="blockType">Makes a block (see <see cref="AnyStage.Create"/>); null for <see cref="ResBottleneckBlock"/>.</param>
    /// <param name="normLayer">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/> (eps 1e-5, momentum 0.1).</param>
    /// <param name="activation">Makes the activation; null for <see cref="ReLU"/>.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    public RegNet(
        BlockParams blockParams,
        int numClasses = 1000,
        int stemWidth = 32,
        Func<int, int, Func<int, Layer>, Func<Layer>, Layer>? stemType = null,
        Func<int, int, int, Func<int, Layer>, Func<Layer>, int, double, double?, Layer>? blockType = null,
        Func<int, Layer>? normLayer = null,
        Func<Layer>? activation = null,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(blockParams);
        stemType ??= SimpleStemIN.Create;
        normLayer ??= channels => new BatchNorm2d(channels);
        blockType ??= (widthIn, widthOut, stride, norm, activationLayer, groupWidth, bottleneckMultiplier, seRatio) =>
            new ResBottleneckBlock(widthIn, widthOut, stride, norm, activationLayer, groupWidth, bottleneckMultiplier, seRatio);
        activation ??= () => new ReLU();

        // Ad hoc stem
        _stem = Register("stem", stemType(3, stemWidth, normLayer, activation));

        int currentWidth = stemWidth;

        var blocks = new List<(string Name, ILayer Layer)>();
        int i = 0;
        foreach ((int widthOut, int stride, int depth, int groupWidth, double bottleneckMultiplier) in blockParams.GetExpandedParams())
        {
            blocks.Add((
                string.Create(CultureInfo.InvariantCulture, $"block{i + 1}"),
                AnyStage.Create(
                    currentWidth,
                    widthOut,
                    stride,
                    depth,
                    blockType,
                    normLayer,
                    activation,
                    groupWidth,
                    bottleneckMultiplier,
                    blockParams.SeRatio,
                    stageIndex: i + 1)));

            currentWidth = widthOut;
            i++;
        }

        _trunkOutput = Register("trunk_output", new Sequential([.. blocks]));

        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((1, 1)));
        _fc = Register("fc", new Linear(currentWidth, numClasses));

        InitializeWeights(random ?? new Random());
    }

    /// <summary>
    /// torchvision's ResNet-style initialization: convolutions N(0, 2 / fan_out) with fan_out = kh · kw · out,
    /// BatchNorm weight 1 and bias 0, linear layers N(0, 0.01²) with zero biases.
    /// </summary>
    private void InitializeWeights(Random random)
    {
        foreach ((_, ILayer layer) in NamedModules())
        {
            switch (layer)
            {
                case Conv2d conv:
                    // Note that there is no bias due to BN (the squeeze-and-excitation's 1×1 convolutions keep
                    // theirs, as torchvision leaves them).
                    int fanOut = conv.KernelSize.Height * conv.KernelSize.Width * conv.OutChannels;
                    ScaledInit.Normal(conv.Weight.Value.AsSpan(), Math.Sqrt(2.0 / fanOut), random);
                    break;
                case BatchNorm2d norm:
                    ScaledInit.OnesZeros(norm.Weight, norm.Bias);
                    break;
                case Linear linear:
                    ScaledInit.Normal(linear.Weight.Value.AsSpan(), 0.01, random);
                    linear.Bias?.Value.AsSpan().Clear();
                    break;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _stem.Forward(input);
        x = _trunkOutput.Forward(x);

        x = _avgpool.Forward(x);
        x = x.Flatten(1);
        x = _fc.Forward(x);

        return x;
    }
}
