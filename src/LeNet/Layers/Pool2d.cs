using LeNet.Compiler;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// What <see cref="AvgPool2d"/> and <see cref="MaxPool2d"/> share: a kH×kW window sliding over NCHW
/// images with optional zero (average) or −∞ (max) padding, dilation (max), and floor or ceil rounding;
/// each of kernel size, stride, padding and dilation is one value for both axes or a (height, width) pair,
/// and the stride defaults to the window size (as in PyTorch).
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with
/// <c>H' = ⌊(H + 2·pH − dH·(kH − 1) − 1) / sH⌋ + 1</c> (likewise W'), rounded up instead in ceil
/// mode, where a last window that would start in the right padding is dropped.
/// </remarks>
public abstract class Pool2d : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];
    private int[] _argmax = [];

    /// <summary>Validates and stores the window.</summary>
    /// <param name="kernelSize">Height and width of the window (kH, kW).</param>
    /// <param name="stride">Step of the window (sH, sW); defaults to <paramref name="kernelSize"/>.</param>
    /// <param name="padding">Implicit padding (pH, pW) on both sides of each axis; at most half the kernel size on that axis (PyTorch's rule).</param>
    /// <param name="dilation">Spacing between window taps (dH, dW).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <exception cref="ArgumentOutOfRangeException">A kernel size, stride or dilation is not positive, or a padding is negative or more than half the kernel size on its axis.</exception>
    private protected Pool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride, (int Height, int Width) padding, (int Height, int Width) dilation, bool ceilMode)
    {
        string layer = GetType().Name;
        (int Height, int Width) s = stride ?? kernelSize;
        foreach (int v in (int[])[kernelSize.Height, kernelSize.Width])
        {
            LayerGuard.AtLeast(v, 1, layer, nameof(kernelSize));
        }

        foreach (int v in (int[])[s.Height, s.Width])
        {
            LayerGuard.AtLeast(v, 1, layer, nameof(stride));
        }

        foreach (int v in (int[])[padding.Height, padding.Width])
        {
            LayerGuard.AtLeast(v, 0, layer, nameof(padding));
        }

        foreach (int v in (int[])[dilation.Height, dilation.Width])
        {
            LayerGuard.AtLeast(v, 1, layer, nameof(dilation));
        }

        if (padding.Height > kernelSize.Height / 2 || padding.Width > kernelSize.Width / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, $"{layer}: padding should be at most half of the kernel size ({Format(kernelSize)}), got {Format(padding)}.");
        }

        KernelSize = kernelSize;
        Stride = s;
        Padding = padding;
        Dilation = dilation;
        CeilMode = ceilMode;
    }

    /// <summary>Height and width of the window (kH, kW).</summary>
    public (int Height, int Width) KernelSize { get; }

    /// <summary>Step of the window on each axis (sH, sW).</summary>
    public (int Height, int Width) Stride { get; }

    /// <summary>Implicit padding on both sides of each axis (pH, pW; PyTorch's <c>padding</c>).</summary>
    public (int Height, int Width) Padding { get; }

    /// <summary>Spacing between window taps (dH, dW; PyTorch's <c>dilation</c>; always (1, 1) for average pooling).</summary>
    public (int Height, int Width) Dilation { get; }

    /// <summary>Whether the output size is rounded up (PyTorch's <c>ceil_mode</c>).</summary>
    public bool CeilMode { get; }

    /// <summary>
    /// Whether this is the pooling the library's fused kernels take: a square window and stride, no padding,
    /// dilation 1, floor rounding. Any other pooling runs the general window kernel.
    /// </summary>
    internal virtual bool IsPlain =>
        Padding == (0, 0) && Dilation == (1, 1) && !CeilMode && KernelSize.Height == KernelSize.Width && Stride.Height == Stride.Width;

    /// <inheritdoc/>
    /// <remarks>A plain pool that no convolution fused is a stage of its own (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        // A max pool with padding (resnet's stem) or ceil rounding (SqueezeNet's 3×3/2): its windows clipped to the
        // image, a stage of its own. Ceil rounding only adds windows that start inside the image (or its left padding).
        if (this is MaxPool2d && !compiler.Flat && !IsPlain && Padding == (Padding.Height, Padding.Height) && Dilation == (1, 1) &&
            KernelSize.Height == KernelSize.Width && Stride.Height == Stride.Width)
        {
            compiler.Add(new PaddedMaxPoolStageSpec(KernelSize.Height, Stride.Height, Padding.Height), GetOutputShape([1, compiler.Channels, compiler.Height, compiler.Width]));
            return true;
        }

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
        int outHeight = ConvArithmetic.OutputSize(inputShape[2], KernelSize.Height, Stride.Height, Padding.Height, Dilation.Height, CeilMode);
        int outWidth = ConvArithmetic.OutputSize(inputShape[3], KernelSize.Width, Stride.Width, Padding.Width, Dilation.Width, CeilMode);
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels{(Padding == (0, 0) ? "" : $" with padding {Format(Padding)}")} is smaller than the {KernelSize.Height}×{KernelSize.Width} window{(Dilation == (1, 1) ? "" : $" dilated by {Format(Dilation)}")} (input shape {Tensor.FormatShape(inputShape)})");
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

    /// <summary>
    /// The short form used in messages, e.g. <c>AvgPool2d(k=2, stride=2)</c> or <c>MaxPool2d(k=(2, 3), stride=(1, 2))</c>,
    /// with padding, dilation and ceil mode when set.
    /// </summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        $"{Name}(k={Format(KernelSize)}, stride={Format(Stride)}{(Padding != (0, 0) ? $", padding={Format(Padding)}" : "")}{(Dilation != (1, 1) ? $", dilation={Format(Dilation)}" : "")}{(CeilMode ? ", ceilMode=true" : "")}{Extra})";

    /// <summary>One number when both axes agree, else <c>(height, width)</c>.</summary>
    private protected static string Format((int Height, int Width) pair) =>
        pair.Height == pair.Width ? $"{pair.Height}" : $"({pair.Height}, {pair.Width})";

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
        new(s[0], s[1], s[2], s[3], s[1], KernelSize.Height, Stride.Height, 0, outShape[2], outShape[3]);

    private PoolWindow Window(ReadOnlySpan<int> s, int[] outShape) =>
        new(s[0] * s[1], s[2], s[3], KernelSize.Height, KernelSize.Width, Stride.Height, Stride.Width, Padding.Height, Padding.Width, Dilation.Height, Dilation.Width, outShape[2], outShape[3]);
}
