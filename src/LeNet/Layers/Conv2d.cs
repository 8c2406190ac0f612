using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// A 2-D convolution over NCHW images, like <c>torch.nn.Conv2d(in_channels, out_channels, kernel_size,
/// stride=1, padding=0, bias=True)</c> with square kernels, zero padding, dilation 1 and groups 1.
/// </summary>
/// <remarks>
/// <c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c> with
/// <c>H' = ⌊(H + 2·padding − kernelSize) / stride⌋ + 1</c> (and likewise W').
/// Like PyTorch, it computes a cross-correlation: output[n,o,y,x] = bias[o] +
/// Σ_c Σ_i Σ_j weight[o,c,i,j] · input[n,c,y·stride−padding+i, x·stride−padding+j].
/// </remarks>
public sealed class Conv2d : Layer
{
    /// <summary>Creates the layer with PyTorch's default initialisation: weight and bias drawn from U(−1/√fan_in, 1/√fan_in), fan_in = inChannels·kernelSize².</summary>
    /// <param name="inChannels">Channels of the input (C).</param>
    /// <param name="outChannels">Channels of the output (O), one filter each.</param>
    /// <param name="kernelSize">Height and width of the square kernel.</param>
    /// <param name="stride">Step of the window on both axes.</param>
    /// <param name="padding">Zeros added on every side of the input.</param>
    /// <param name="bias">Whether the layer adds a learnable bias per output channel.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null. Pass a seeded one for determinism.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or the stride is not positive, or the padding is negative.</exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true, Random? random = null)
    {
        LayerGuard.AtLeast(inChannels, 1, nameof(Conv2d), nameof(inChannels));
        LayerGuard.AtLeast(outChannels, 1, nameof(Conv2d), nameof(outChannels));
        LayerGuard.AtLeast(kernelSize, 1, nameof(Conv2d), nameof(kernelSize));
        LayerGuard.AtLeast(stride, 1, nameof(Conv2d), nameof(stride));
        LayerGuard.AtLeast(padding, 0, nameof(Conv2d), nameof(padding));
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Weight = new Parameter(new Tensor(outChannels, inChannels, kernelSize, kernelSize));
        Bias = bias ? new Parameter(new Tensor(outChannels)) : null;
        ResetParameters(random);
    }

    private readonly ConvBackwardWorkspace _workspace = new();
    private Tensor? _input;
    private int[] _outputShape = [];

    /// <inheritdoc/>
    public override string Name => nameof(Conv2d);

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Height and width of the square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>Step of the window on both axes.</summary>
    public int Stride { get; }

    /// <summary>Zeros added on every side of the input.</summary>
    public int Padding { get; }

    /// <summary>The filters, shape <c>[OutChannels, InChannels, KernelSize, KernelSize]</c> (PyTorch's <c>weight</c>).</summary>
    public Parameter Weight { get; }

    /// <summary>The per-channel bias, shape <c>[OutChannels]</c>, or null when created with <c>bias: false</c>.</summary>
    public Parameter? Bias { get; }

    /// <summary>Draws new initial values the way <c>Conv2d.reset_parameters</c> does: weight, then bias, from U(−1/√fan_in, 1/√fan_in).</summary>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public void ResetParameters(Random? random = null)
    {
        random ??= Random.Shared;
        double bound = Init.DefaultBound(InChannels * KernelSize * KernelSize);
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

        int outHeight = ConvArithmetic.OutputSize(inputShape[2], KernelSize, Stride, Padding);
        int outWidth = ConvArithmetic.OutputSize(inputShape[3], KernelSize, Stride, Padding);
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels with padding {Padding} is smaller than the {KernelSize}×{KernelSize} kernel (input shape {Tensor.FormatShape(inputShape)})");
        }

        return [inputShape[0], OutChannels, outHeight, outWidth];
    }

    /// <inheritdoc/>
    /// <remarks><c>input [N, InChannels, H, W] → output [N, OutChannels, H', W']</c>.</remarks>
    public override Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        Conv2dKernel.Forward(input.AsSpan(), Weight.Value.AsSpan(), Bias is null ? default : Bias.Value.AsSpan(), output.AsSpan(), Geometry(input.Shape, outShape));
        if (IsTraining)
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
        Conv2dBackwardKernel.Backward(
            _input.Data, Weight.Value.Data, outputGradient.Data, inputGradient?.Data, Weight.Gradient.Data, Bias?.Gradient.Data,
            Geometry(_input.Shape, _outputShape), _workspace);
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

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("Conv", this, prefix)
            .Ints("dilations", 1, 1)
            .Int("group", 1)
            .Ints("kernel_shape", KernelSize, KernelSize)
            .Ints("pads", Padding, Padding, Padding, Padding)
            .Ints("strides", Stride, Stride);

    internal override long Flops(int[] inputShape, int[] outputShape) => 2L * InChannels * KernelSize * KernelSize * Product(outputShape);

    /// <summary>The short form used in messages: <c>Conv2d(1→6, k=5)</c>, with stride and padding when not the defaults.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"Conv2d({InChannels}→{OutChannels}, k={KernelSize}{(Stride != 1 ? $", stride={Stride}" : "")}{(Padding != 0 ? $", padding={Padding}" : "")}{(Bias is null ? ", bias=false" : "")})";

    private ConvGeometry Geometry(ReadOnlySpan<int> inShape, int[] outShape) =>
        new(inShape[0], InChannels, inShape[2], inShape[3], OutChannels, KernelSize, Stride, Padding, outShape[2], outShape[3]);
}
