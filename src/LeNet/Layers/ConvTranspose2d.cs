using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// A 2-D transposed convolution over NCHW images (the gradient of <see cref="Conv2d"/> with respect to its
/// input), like <c>torch.nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
/// output_padding=0, groups=1, bias=True, dilation=1)</c>.
/// </summary>
/// <remarks>
/// <c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c> with
/// <c>H' = (H − 1)·stride − 2·padding + dilation·(kernelSize − 1) + outputPadding + 1</c> (and likewise W').
/// Each input pixel x[n, c, y, x] adds x · weight[c, o, i, j] to
/// output[n, g·O/G + o, y·stride − padding + i·dilation, x·stride − padding + j·dilation] for the
/// OutChannels/Groups channels o of input channel c's group g.
/// </remarks>
public sealed class ConvTranspose2d : Layer
{
    /// <summary>Creates the layer with PyTorch's default initialisation: weight and bias from U(−1/√fan_in, 1/√fan_in), fan_in = (outChannels/groups)·kH·kW (torch computes it from weight.size(1)).</summary>
    /// <param name="inChannels">Channels of the input (C).</param>
    /// <param name="outChannels">Channels of the output (O).</param>
    /// <param name="kernelSize">Height and width of the square kernel.</param>
    /// <param name="stride">Step on both axes.</param>
    /// <param name="padding">Removed from every side of the full output (dilation·(kernelSize − 1) − padding zeros are implicitly added to the input).</param>
    /// <param name="outputPadding">Added to one side (bottom, right) of the output; less than the stride or the dilation.</param>
    /// <param name="bias">Whether the layer adds a learnable bias per output channel.</param>
    /// <param name="dilation">Spacing between kernel taps on both axes.</param>
    /// <param name="groups">Groups of channels convolved separately; must divide both channel counts.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size, the stride, the dilation or the groups are not positive, a padding is negative, the output padding is not below the stride or the dilation, or the groups do not divide both channel counts.</exception>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, bool bias = true, int dilation = 1, int groups = 1, Random? random = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding), bias, (dilation, dilation), groups, random)
    {
    }

    /// <summary>Creates the layer with (height, width) pairs, like <c>nn.ConvTranspose2d(2, 4, (2, 3), stride=(2, 1))</c>; PyTorch's default initialisation.</summary>
    /// <param name="inChannels">Channels of the input (C).</param>
    /// <param name="outChannels">Channels of the output (O).</param>
    /// <param name="kernelSize">Height and width of the kernel.</param>
    /// <param name="stride">Step (height, width); (1, 1) when null.</param>
    /// <param name="padding">Removed above and below, left and right of the full output; (0, 0) when null.</param>
    /// <param name="outputPadding">Added below and right of the output; (0, 0) when null.</param>
    /// <param name="bias">Whether the layer adds a learnable bias per output channel.</param>
    /// <param name="dilation">Spacing between kernel taps (height, width); (1, 1) when null.</param>
    /// <param name="groups">Groups of channels convolved separately; must divide both channel counts.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">As for the int form.</exception>
    public ConvTranspose2d(int inChannels, int outChannels, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, (int Height, int Width)? outputPadding = null, bool bias = true, (int Height, int Width)? dilation = null, int groups = 1, Random? random = null)
    {
        (int Height, int Width) s = stride ?? (1, 1), p = padding ?? (0, 0), op = outputPadding ?? (0, 0), d = dilation ?? (1, 1);
        LayerGuard.AtLeast(inChannels, 1, nameof(ConvTranspose2d), nameof(inChannels));
        LayerGuard.AtLeast(outChannels, 1, nameof(ConvTranspose2d), nameof(outChannels));
        LayerGuard.AtLeast(Math.Min(kernelSize.Height, kernelSize.Width), 1, nameof(ConvTranspose2d), nameof(kernelSize));
        LayerGuard.AtLeast(Math.Min(s.Height, s.Width), 1, nameof(ConvTranspose2d), nameof(stride));
        LayerGuard.AtLeast(Math.Min(p.Height, p.Width), 0, nameof(ConvTranspose2d), nameof(padding));
        LayerGuard.AtLeast(Math.Min(op.Height, op.Width), 0, nameof(ConvTranspose2d), nameof(outputPadding));
        LayerGuard.AtLeast(Math.Min(d.Height, d.Width), 1, nameof(ConvTranspose2d), nameof(dilation));
        LayerGuard.AtLeast(groups, 1, nameof(ConvTranspose2d), nameof(groups));
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"ConvTranspose2d: groups ({groups}) must divide both inChannels ({inChannels}) and outChannels ({outChannels}).");
        }

        // PyTorch: "output padding must be smaller than either stride or dilation".
        if ((op.Height >= s.Height && op.Height >= d.Height) || (op.Width >= s.Width && op.Width >= d.Width))
        {
            throw new ArgumentOutOfRangeException(nameof(outputPadding), op, $"ConvTranspose2d: output padding must be smaller than either stride or dilation, got outputPadding {op}, stride {s}, dilation {d}.");
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = s;
        Padding = p;
        OutputPadding = op;
        Dilation = d;
        Groups = groups;
        Weight = new Parameter(new Tensor(inChannels, outChannels / groups, kernelSize.Height, kernelSize.Width));
        Bias = bias ? new Parameter(new Tensor(outChannels)) : null;
        ResetParameters(random);
    }

    private Tensor? _input;
    private int[] _outputShape = [];

    /// <inheritdoc/>
    public override string Name => nameof(ConvTranspose2d);

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Height and width of the kernel.</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Step along height and width.</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Rows and columns removed from each side of the full output.</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Rows added at the bottom and columns at the right of the output.</summary>
    public (int Height, int Width) OutputPadding { get; }

    /// <summary>Spacing between kernel taps along height and width.</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>Groups of channels convolved separately.</summary>
    public int Groups { get; }

    /// <summary>The filters, shape <c>[InChannels, OutChannels/Groups, KernelSize.Height, KernelSize.Width]</c> (PyTorch's <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>The per-channel bias, shape <c>[OutChannels]</c>, or null when created with <c>bias: false</c>.</summary>
    public Parameter? Bias { get; }

    /// <summary>Draws new initial values the way <c>ConvTranspose2d.reset_parameters</c> does: weight, then bias, from U(−1/√fan_in, 1/√fan_in) with fan_in = weight.size(1)·kH·kW.</summary>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public void ResetParameters(Random? random = null)
    {
        random ??= Random.Shared;
        double bound = Init.DefaultBound(OutChannels / Groups * KernelSize.Height * KernelSize.Width);
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

        int outHeight = ((inputShape[2] - 1) * Stride.Height) - (2 * Padding.Height) + (Dilation.Height * (KernelSize.Height - 1)) + OutputPadding.Height + 1;
        int outWidth = ((inputShape[3] - 1) * Stride.Width) - (2 * Padding.Width) + (Dilation.Width * (KernelSize.Width - 1)) + OutputPadding.Width + 1;
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels gives an output of {outHeight}×{outWidth}: the padding {Padding} removes more than the transposed convolution makes (input shape {Tensor.FormatShape(inputShape)})");
        }

        return [inputShape[0], OutChannels, outHeight, outWidth];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        ConvTranspose2dKernel.Forward(input.Data, Weight.Value.Data, Bias?.Value.Data, output.Data, Window(input.Shape, outShape), InChannels);
        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, OutChannels, H', W'] → input gradient [N, InChannels, H, W]</c> (a convolution of the
    /// output gradient); adds ∂loss/∂weight and ∂loss/∂bias into their gradients.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor? inputGradient = needInputGradient ? InputGradientTensor(_input.Shape) : null;
        ConvTranspose2dKernel.Backward(
            _input.Data, Weight.Value.Data, outputGradient.Data, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data,
            Window(_input.Shape, _outputShape), InChannels);
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

    /// <remarks>
    /// <para>
    /// PyTorch takes an output padding below the stride or the dilation; ONNX Runtime refuses one of the stride or
    /// more (a Conv of the output would no longer give back the input's size). The output padding only moves the end of the
    /// crop of the full transposed convolution, so on such an axis it is taken from the trailing pad instead
    /// (pads <c>[padding, padding − outputPadding]</c>), and only what exceeds the padding stays output_padding.
    /// </para>
    /// <para>
    /// If that rest still reaches the stride (stride + padding ≤ outputPadding &lt; dilation), its rows or columns
    /// lie beyond the full result and hold the bias alone: the ConvTranspose runs without bias, a Pad of zeros adds
    /// them and an Add adds the bias. (The importer reads back only the symmetric form.)
    /// </para>
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        (long padEndH, long adjustH, long extendH) = TrailingPad(Padding.Height, OutputPadding.Height, Stride.Height);
        (long padEndW, long adjustW, long extendW) = TrailingPad(Padding.Width, OutputPadding.Width, Stride.Width);
        if (extendH == 0 && extendW == 0)
        {
            ConvTransposeAttributes(graph.AddLayerNode("ConvTranspose", this, prefix), adjustH, adjustW, padEndH, padEndW);
            return;
        }

        ConvTransposeAttributes(graph.AddNode("ConvTranspose", prefix, graph.Current, graph.AddInitializer(prefix + "weight", Weight.Value)), adjustH, adjustW, padEndH, padEndW);
        string pads = graph.AddInt64Initializer($"{prefix}onnx_pads", [8], 0, 0, 0, 0, 0, 0, extendH, extendW);
        graph.AddNode("Pad", prefix, graph.Current, pads).String("mode", "constant");
        if (Bias is not null)
        {
            graph.AddNode("Add", prefix, graph.Current, graph.AddInitializer($"{prefix}onnx_bias", Tensor.FromArray(Bias.Value.ToArray(), OutChannels, 1, 1)));
        }
    }

    /// <summary>One axis's trailing pad, output_padding and rows beyond the full result, as ONNX Runtime takes them.</summary>
    private static (long PadEnd, long Adjust, long Extend) TrailingPad(int padding, int outputPadding, int stride)
    {
        if (outputPadding < stride)
        {
            return (padding, outputPadding, 0);
        }

        long rest = Math.Max(0, outputPadding - padding);
        return rest < stride ? (Math.Max(0, padding - outputPadding), rest, 0) : (0, 0, rest);
    }

    private OnnxNode ConvTransposeAttributes(OnnxNode node, long adjustH, long adjustW, long padEndH, long padEndW) =>
        node.Ints("dilations", Dilation.Height, Dilation.Width)
            .Int("group", Groups)
            .Ints("kernel_shape", KernelSize.Height, KernelSize.Width)
            .Ints("output_padding", adjustH, adjustW)
            .Ints("pads", Padding.Height, Padding.Width, padEndH, padEndW)
            .Ints("strides", Stride.Height, Stride.Width);

    /// <remarks>Every input pixel meets every tap of its group's filters: 2·N·C·H·W·(O/G)·kH·kW.</remarks>
    internal override long Flops(int[] inputShape, int[] outputShape) => 2L * (OutChannels / Groups) * KernelSize.Height * KernelSize.Width * Product(inputShape);

    /// <summary>The short form used in messages: <c>ConvTranspose2d(2→3, k=3, stride=2)</c>, with the other arguments when not the defaults.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"ConvTranspose2d({InChannels}→{OutChannels}, k={FormatPair(KernelSize)}{(Stride != (1, 1) ? $", stride={FormatPair(Stride)}" : "")}{(Padding != (0, 0) ? $", padding={FormatPair(Padding)}" : "")}" +
        $"{(OutputPadding != (0, 0) ? $", outputPadding={FormatPair(OutputPadding)}" : "")}{(Dilation != (1, 1) ? $", dilation={FormatPair(Dilation)}" : "")}{(Groups != 1 ? $", groups={Groups}" : "")}{(Bias is null ? ", bias=false" : "")})";

    private static string FormatPair((int Height, int Width) pair) => pair.Height == pair.Width ? $"{pair.Height}" : $"({pair.Height}, {pair.Width})";

    /// <summary>The output is the window's image, the input spans its columns.</summary>
    private ConvWindow Window(ReadOnlySpan<int> inShape, int[] outShape) =>
        new(inShape[0], OutChannels, outShape[2], outShape[3], Groups, KernelSize.Height, KernelSize.Width, Stride.Height, Stride.Width,
            Padding.Height, Padding.Width, Dilation.Height, Dilation.Width, inShape[2], inShape[3]);
}
