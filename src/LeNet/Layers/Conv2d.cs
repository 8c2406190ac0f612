using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// A 2-D convolution over NCHW images, like <c>torch.nn.Conv2d(in_channels, out_channels, kernel_size,
/// stride=1, padding=0, dilation=1, groups=1, bias=True)</c> with zero padding; kernel, stride, padding
/// and dilation may differ between height and width.
/// </summary>
/// <remarks>
/// <c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c> with
/// <c>H' = ⌊(H + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1</c> (and likewise W').
/// Like PyTorch, it computes a cross-correlation: output[n,o,y,x] = bias[o] +
/// Σ_c Σ_i Σ_j weight[o,c,i,j] · input[n, g·C/G + c, y·stride−padding+i·dilation, x·stride−padding+j·dilation],
/// c over the InChannels/Groups channels of output channel o's group g.
/// </remarks>
public sealed class Conv2d : Layer
{
    /// <summary>Creates the layer with PyTorch's default initialisation: weight and bias drawn from U(−1/√fan_in, 1/√fan_in), fan_in = (inChannels/groups)·kH·kW.</summary>
    /// <param name="inChannels">Channels of the input (C).</param>
    /// <param name="outChannels">Channels of the output (O), one filter each.</param>
    /// <param name="kernelSize">Height and width of the square kernel.</param>
    /// <param name="stride">Step of the window on both axes.</param>
    /// <param name="padding">Zeros added on every side of the input.</param>
    /// <param name="bias">Whether the layer adds a learnable bias per output channel.</param>
    /// <param name="dilation">Spacing between kernel taps on both axes (1: adjacent).</param>
    /// <param name="groups">Groups of channels convolved separately: each output channel sees InChannels/groups inputs (groups = InChannels is a depthwise convolution).</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null. Pass a seeded one for determinism.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, the stride, the dilation or the groups are not positive, the padding is negative, or the groups do not divide both channel counts.</exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, int dilation = 1, int groups = 1, Random? random = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), bias, (dilation, dilation), groups, random)
    {
    }

    /// <summary>Creates the layer with (height, width) pairs, like <c>nn.Conv2d(2, 3, (3, 5), stride=(1, 2), padding=(1, 2))</c>; PyTorch's default initialisation.</summary>
    /// <param name="inChannels">Channels of the input (C).</param>
    /// <param name="outChannels">Channels of the output (O), one filter each.</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step of the window (height, width); (1, 1) when null.</param>
    /// <param name="padding">Zeros added above and below, left and right; (0, 0) when null.</param>
    /// <param name="bias">Whether the layer adds a learnable bias per output channel.</param>
    /// <param name="dilation">Spacing between kernel taps (height, width); (1, 1) when null.</param>
    /// <param name="groups">Groups of channels convolved separately; must divide both channel counts.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, the stride, the dilation or the groups are not positive, the padding is negative, or the groups do not divide both channel counts.</exception>
    public Conv2d(int inChannels, int outChannels, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, bool bias = true, (int Height, int Width)? dilation = null, int groups = 1, Random? random = null)
    {
        (int Height, int Width) s = stride ?? (1, 1), p = padding ?? (0, 0), d = dilation ?? (1, 1);
        LayerGuard.AtLeast(inChannels, 1, nameof(Conv2d), nameof(inChannels));
        LayerGuard.AtLeast(outChannels, 1, nameof(Conv2d), nameof(outChannels));
        LayerGuard.AtLeast(Math.Min(kernelSize.Height, kernelSize.Width), 1, nameof(Conv2d), nameof(kernelSize));
        LayerGuard.AtLeast(Math.Min(s.Height, s.Width), 1, nameof(Conv2d), nameof(stride));
        LayerGuard.AtLeast(Math.Min(p.Height, p.Width), 0, nameof(Conv2d), nameof(padding));
        LayerGuard.AtLeast(Math.Min(d.Height, d.Width), 1, nameof(Conv2d), nameof(dilation));
        LayerGuard.AtLeast(groups, 1, nameof(Conv2d), nameof(groups));
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"Conv2d: groups ({groups}) must divide both inChannels ({inChannels}) and outChannels ({outChannels}).");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = s;
        Padding = p;
        Dilation = d;
        Groups = groups;
        Weight = new Parameter(new Tensor(outChannels, inChannels / groups, kernelSize.Height, kernelSize.Width));
        Bias = bias ? new Parameter(new Tensor(outChannels)) : null;
        ResetParameters(random);
    }

    private readonly ConvBackwardWorkspace _workspace = new();
    private readonly Conv2dBatchInnerWorkspace _tiled = new();
    private Tensor? _input;
    private int[] _outputShape = [];

    /// <inheritdoc/>
    public override string Name => nameof(Conv2d);

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Height and width of the kernel, like PyTorch's <c>kernel_size</c> tuple.</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Step of the window along height and width.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Zeros added above and below (Height), left and right (Width).</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Spacing between kernel taps along height and width (1: adjacent taps).</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>Groups of channels convolved separately (1: every output sees every input channel).</summary>
    public int Groups { get; }

    /// <summary>
    /// Whether this is the convolution the library's fused kernels take: square kernel, the same stride and
    /// padding on both axes, dilation 1, groups 1. <see cref="Kernel"/>, <see cref="Step"/> and <see cref="Pad"/> are then its sizes.
    /// </summary>
    internal bool IsPlain => Groups == 1 && Dilation == (1, 1) && KernelSize.Height == KernelSize.Width && Stride.Height == Stride.Width && Padding.Height == Padding.Width;

    /// <summary>
    /// Whether this is a depthwise convolution the depthwise stage takes: groups = input channels (each output channel
    /// reads one input channel), a square kernel, and the same stride, padding and dilation on both axes.
    /// </summary>
    internal bool IsDepthwise => Groups > 1 && Groups == InChannels && KernelSize.Height == KernelSize.Width && Stride.Height == Stride.Width &&
        Padding.Height == Padding.Width && Dilation.Height == Dilation.Width;

    /// <summary>The kernel size of a plain convolution (<see cref="IsPlain"/>).</summary>
    internal int Kernel => KernelSize.Height;

    /// <summary>The stride of a plain convolution (<see cref="IsPlain"/>).</summary>
    internal int Step => Stride.Height;

    /// <summary>The padding of a plain convolution (<see cref="IsPlain"/>).</summary>
    internal int Pad => Padding.Height;

    /// <summary>The filters, shape <c>[OutChannels, InChannels/Groups, KernelSize.Height, KernelSize.Width]</c> (PyTorch's <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>The per-channel bias, shape <c>[OutChannels]</c>, or null when created with <c>bias: false</c>.</summary>
    public Parameter? Bias { get; }

    /// <summary>Draws new initial values the way <c>Conv2d.reset_parameters</c> does: weight, then bias, from U(−1/√fan_in, 1/√fan_in).</summary>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public void ResetParameters(Random? random = null)
    {
        random ??= Random.Shared;
        double bound = Init.DefaultBound(InChannels / Groups * KernelSize.Height * KernelSize.Width);
        Init.Uniform(Weight.Value.AsSpan(), bound, random);
        if (Bias is not null)
        {
            Init.Uniform(Bias.Value.AsSpan(), bound, random);
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, InChannels, H, W] → [N, OutChannels, H', W']</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Rank(inputShape, 4, $"[N, {InChannels}, H, W]", this);
        if (inputShape[1] != InChannels)
        {
            LayerGuard.Throw(this, $"expected {InChannels} input channel{(InChannels == 1 ? "" : "s")}, got {inputShape[1]} (input shape {Tensor.FormatShape(inputShape)})");
        }

        int outHeight = ConvArithmetic.OutputSize(inputShape[2], KernelSize.Height, Stride.Height, Padding.Height, Dilation.Height);
        int outWidth = ConvArithmetic.OutputSize(inputShape[3], KernelSize.Width, Stride.Width, Padding.Width, Dilation.Width);
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels with padding {FormatPair(Padding)} is smaller than the {KernelSize.Height}×{KernelSize.Width} kernel{(Dilation == (1, 1) ? "" : $" dilated by {FormatPair(Dilation)}")} (input shape {Tensor.FormatShape(inputShape)})");
        }

        return [inputShape[0], OutChannels, outHeight, outWidth];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    internal override bool OverwritesResults => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        ConvGeometry geometry = IsPlain ? Geometry(input.Shape, outShape) : default;
        if (IsPlain && Conv2dBatchInnerKernel.SupportsForward(geometry))
        {
            Conv2dBatchInnerKernel.Forward(input.AsReadOnlySpan(), Weight.Value.AsReadOnlySpan(), Bias is null ? default : Bias.Value.AsReadOnlySpan(), output.AsSpan(), geometry);
        }
        else if (IsPlain)
        {
            Conv2dKernel.Forward(input.AsReadOnlySpan(), Weight.Value.AsReadOnlySpan(), Bias is null ? default : Bias.Value.AsReadOnlySpan(), output.AsSpan(), geometry);
        }
        else
        {
            GroupedConv2dKernel.Forward(input.ReadData, Weight.Value.ReadData, Bias?.Value.ReadData, output.Data, Window(input.Shape, outShape), OutChannels);
        }

        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, OutChannels, H', W'] → input gradient [N, InChannels, H, W]</c>; adds
    /// ∂loss/∂weight into <c>Weight.Gradient</c> and ∂loss/∂bias into <c>Bias.Gradient</c>.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor? inputGradient = needInputGradient ? InputGradientTensor(_input.Shape) : null;
        ConvGeometry geometry = IsPlain ? Geometry(_input.Shape, _outputShape) : default;
        if (IsPlain && Conv2dBatchInnerKernel.Prefers(geometry))
        {
            Conv2dBatchInnerKernel.Backward(
                _input.ReadData, Weight.Value.ReadData, outputGradient.ReadData, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data, geometry, _tiled);
        }
        else if (IsPlain)
        {
            Conv2dBackwardKernel.Backward(
                _input.ReadData, Weight.Value.ReadData, outputGradient.ReadData, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data, geometry, _workspace);
        }
        else
        {
            GroupedConv2dKernel.Backward(
                _input.ReadData, Weight.Value.ReadData, outputGradient.ReadData, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data,
                Window(_input.Shape, _outputShape), OutChannels);
        }

        return inputGradient;
    }

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        yield return ("weight", Weight);
        if (Bias is not null)
        {
            yield return ("bias", Bias);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A plain convolution fuses a BatchNorm2d it folds (inference), an activation, and a 2×2 stride-2 pool after them; a
    /// depthwise one (<see cref="IsDepthwise"/>) the BatchNorm2d and the activation (inference only).
    /// </remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        if (IsDepthwise && !compiler.Flat && compiler.Channels == InChannels)
        {
            int[] shape = GetOutputShape([1, compiler.Channels, compiler.Height, compiler.Width]);
            BatchNorm? folded = compiler.TakeNorm<BatchNorm2d>();
            compiler.Add(new DepthwiseConvStageSpec(this, folded, compiler.TakeActivation(mobile: true)), shape, inputPad: Padding.Height);
            return true;
        }

        if (!IsPlain || compiler.Flat || compiler.Channels != InChannels)
        {
            return false;
        }

        int[] convShape = GetOutputShape([1, compiler.Channels, compiler.Height, compiler.Width]);
        BatchNorm? norm = compiler.TakeNorm<BatchNorm2d>();
        ActivationKind activation = compiler.TakeActivation(mobile: true);

        // The fused pool applies the activation once per window: only a monotone activation commutes with its max.
        Pool2d? pool = convShape[2] >= 2 && convShape[3] >= 2 && activation != ActivationKind.Hardswish ? compiler.Take<Pool2d>(p => p is { IsPlain: true, KernelSize: (2, 2), Stride: (2, 2) }) : null;
        var geometry = new ConvGeometry(1, compiler.Channels, compiler.Height, compiler.Width, OutChannels, Kernel, Step, Pad, convShape[2], convShape[3]);
        compiler.Add(new ConvStageSpec(this, norm, activation, pool, geometry), pool?.GetOutputShape(convShape) ?? convShape, inputPad: Pad);
        return true;
    }

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("Conv", this, prefix)
            .Ints("dilations", Dilation.Height, Dilation.Width)
            .Int("group", Groups)
            .Ints("kernel_shape", KernelSize.Height, KernelSize.Width)
            .Ints("pads", Padding.Height, Padding.Width, Padding.Height, Padding.Width)
            .Ints("strides", Stride.Height, Stride.Width);

    internal override long Flops(int[] inputShape, int[] outputShape) => 2L * (InChannels / Groups) * KernelSize.Height * KernelSize.Width * Product(outputShape);

    /// <summary>The short form used in messages: <c>Conv2d(1→6, k=5)</c>, with the other arguments when not the defaults (<c>k=(3, 5), stride=(1, 2)</c>).</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"Conv2d({InChannels}→{OutChannels}, k={FormatPair(KernelSize)}{(Stride != (1, 1) ? $", stride={FormatPair(Stride)}" : "")}{(Padding != (0, 0) ? $", padding={FormatPair(Padding)}" : "")}" +
        $"{(Dilation != (1, 1) ? $", dilation={FormatPair(Dilation)}" : "")}{(Groups != 1 ? $", groups={Groups}" : "")}{(Bias is null ? ", bias=false" : "")})";

    private static string FormatPair((int Height, int Width) pair) => pair.Height == pair.Width ? $"{pair.Height}" : $"({pair.Height}, {pair.Width})";

    private ConvGeometry Geometry(ReadOnlySpan<int> inShape, int[] outShape) =>
        new(inShape[0], InChannels, inShape[2], inShape[3], OutChannels, Kernel, Step, Pad, outShape[2], outShape[3]);

    private ConvWindow Window(ReadOnlySpan<int> inShape, int[] outShape) =>
        new(inShape[0], InChannels, inShape[2], inShape[3], Groups, KernelSize.Height, KernelSize.Width, Stride.Height, Stride.Width,
            Padding.Height, Padding.Width, Dilation.Height, Dilation.Width, outShape[2], outShape[3]);
}
