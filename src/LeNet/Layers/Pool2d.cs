using LeNet.Inference;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// What <see cref="AvgPool2d"/> and <see cref="MaxPool2d"/> share: a square window sliding over NCHW
/// images with optional zero (average) or −∞ (max) padding, dilation (max), and floor or ceil rounding;
/// the stride defaults to the window size (as in PyTorch).
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with
/// <c>H' = ⌊(H + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1</c>, rounded up instead in ceil
/// mode, where a last window that would start in the right padding is dropped.
/// </remarks>
public abstract class Pool2d : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];
    private int[] _argmax = [];

    /// <summary>Validates and stores the window.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>.</param>
    /// <param name="padding">Implicit padding on every side; at most half the kernel size (PyTorch's rule).</param>
    /// <param name="dilation">Spacing between window taps.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size, stride or dilation is not positive, or the padding is negative or more than half the kernel size.</exception>
    private protected Pool2d(int kernelSize, int? stride, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        string layer = GetType().Name;
        LayerGuard.AtLeast(kernelSize, 1, layer, nameof(kernelSize));
        LayerGuard.AtLeast(stride ?? kernelSize, 1, layer, nameof(stride));
        LayerGuard.AtLeast(padding, 0, layer, nameof(padding));
        LayerGuard.AtLeast(dilation, 1, layer, nameof(dilation));
        if (padding > kernelSize / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"{layer}: padding should be at most half of the kernel size ({kernelSize}), got {padding}.");
        }

        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding;
        Dilation = dilation;
        CeilMode = ceilMode;
    }

    /// <summary>Height and width of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>Step of the window on both axes.</summary>
    public int Stride { get; }

    /// <summary>Implicit padding on every side (PyTorch's <c>padding</c>).</summary>
    public int Padding { get; }

    /// <summary>Spacing between window taps (PyTorch's <c>dilation</c>; always 1 for average pooling).</summary>
    public int Dilation { get; }

    /// <summary>Whether the output size is rounded up (PyTorch's <c>ceil_mode</c>).</summary>
    public bool CeilMode { get; }

    /// <summary>Whether this is the pooling the library's fused kernels take (no padding, dilation 1, floor rounding).</summary>
    internal virtual bool IsPlain => Padding == 0 && Dilation == 1 && !CeilMode;

    /// <inheritdoc/>
    /// <remarks>A plain pool that no convolution fused is a stage of its own (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        if (!IsPlain || compiler.Flat)
        {
            return false;
        }

        compiler.Add(new PoolStageSpec(this), GetOutputShape([1, compiler.Channels, compiler.Height, compiler.Width]));
        return true;
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H', W']</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Rank(inputShape, 4, "[N, C, H, W]", this);
        int outHeight = ConvArithmetic.OutputSize(inputShape[2], KernelSize, Stride, Padding, Dilation, CeilMode);
        int outWidth = ConvArithmetic.OutputSize(inputShape[3], KernelSize, Stride, Padding, Dilation, CeilMode);
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels{(Padding == 0 ? "" : $" with padding {Padding}")} is smaller than the {KernelSize}×{KernelSize} window{(Dilation == 1 ? "" : $" dilated by {Dilation}")} (input shape {Tensor.FormatShape(inputShape)})");
        }

        return [inputShape[0], inputShape[1], outHeight, outWidth];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, H, W] → output [N, C, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        if (IsPlain)
        {
            Pool(input.AsSpan(), output.AsSpan(), Geometry(input.Shape, outShape));
        }
        else
        {
            int[] argmax = this is MaxPool2d ? (IsTraining && _argmax.Length == output.Length ? _argmax : new int[output.Length]) : [];
            PoolGeneral(input.Data, output.Data, argmax, Window(input.Shape, outShape));
            if (KeepsForBackward)
            {
                _argmax = argmax;
            }
        }

        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [N, C, H', W'] → input gradient [N, C, H, W]</c>.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor inputGradient = InputGradientTensor(_input.Shape);
        if (!IsPlain)
        {
            PoolGeneralBackward(outputGradient.Data, _argmax, inputGradient.Data, Window(_input.Shape, _outputShape));
            return inputGradient;
        }

        ConvGeometry g = Geometry(_input.Shape, _outputShape);
        float[] x = _input.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        int inImage = g.InChannels * g.InPlane, outImage = g.InChannels * g.OutPlane;

        // Images are independent: ranges of 16 run in parallel.
        Parallelism.ForRanges(g.Batch, 16, (start, count) => PoolBackward(
            x.AsSpan(start * inImage, count * inImage), dy.AsSpan(start * outImage, count * outImage), dx.AsSpan(start * inImage, count * inImage), g with { Batch = count }));
        return inputGradient;
    }

    /// <summary>The short form used in messages, e.g. <c>AvgPool2d(k=2, stride=2)</c>, with padding, dilation and ceil mode when set.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"{Name}(k={KernelSize}, stride={Stride}{(Padding != 0 ? $", padding={Padding}" : "")}{(Dilation != 1 ? $", dilation={Dilation}" : "")}{(CeilMode ? ", ceilMode=true" : "")}{Extra})";

    /// <summary>More of <see cref="ToString"/> (a leading comma), for an option of one kind of pooling.</summary>
    private protected virtual string Extra => "";

    /// <summary>The pooling kernel: input [N,C,H,W] → output [N,C,H',W'].</summary>
    private protected abstract void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry);

    /// <summary>The pooling kernel's backward: input [N,C,H,W] and outGrad [N,C,H',W'] → inGrad [N,C,H,W] (overwritten).</summary>
    private protected abstract void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry);

    /// <summary>The general pooling (padding, dilation, ceil mode): input [N,C,H,W] → output [N,C,H',W']; max pooling fills <paramref name="argmax"/>.</summary>
    private protected abstract void PoolGeneral(float[] input, float[] output, int[] argmax, PoolWindow window);

    /// <summary>The general pooling's backward: outGrad [N,C,H',W'] → inGrad [N,C,H,W] (overwritten).</summary>
    private protected abstract void PoolGeneralBackward(float[] outputGradient, int[] argmax, float[] inputGradient, PoolWindow window);

    private protected ConvGeometry Geometry(ReadOnlySpan<int> s, int[] outShape) =>
        new(s[0], s[1], s[2], s[3], s[1], KernelSize, Stride, 0, outShape[2], outShape[3]);

    private PoolWindow Window(ReadOnlySpan<int> s, int[] outShape) =>
        new(s[0] * s[1], s[2], s[3], KernelSize, Stride, Padding, Dilation, outShape[2], outShape[3]);
}
