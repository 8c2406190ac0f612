using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// What <see cref="AvgPool2d"/> and <see cref="MaxPool2d"/> share: a square window sliding over NCHW
/// images without padding, floor rounding, the stride defaulting to the window size (as in PyTorch).
/// </summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, H', W']</c> with <c>H' = ⌊(H − kernelSize) / stride⌋ + 1</c>.</remarks>
public abstract class Pool2d : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];

    /// <summary>Validates and stores the window.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size or stride is not positive.</exception>
    private protected Pool2d(int kernelSize, int? stride)
    {
        LayerGuard.AtLeast(kernelSize, 1, GetType().Name, nameof(kernelSize));
        LayerGuard.AtLeast(stride ?? kernelSize, 1, GetType().Name, nameof(stride));
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
    }

    /// <summary>Height and width of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>Step of the window on both axes.</summary>
    public int Stride { get; }

    /// <summary>Whether this is the pooling the library's fused kernels take (no padding, dilation 1, floor rounding).</summary>
    internal virtual bool IsPlain => true;

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H', W']</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Rank(inputShape, 4, "[N, C, H, W]", this);
        int outHeight = ConvArithmetic.OutputSize(inputShape[2], KernelSize, Stride, 0);
        int outWidth = ConvArithmetic.OutputSize(inputShape[3], KernelSize, Stride, 0);
        if (outHeight <= 0 || outWidth <= 0)
        {
            LayerGuard.Throw(this, $"input of {inputShape[2]}×{inputShape[3]} pixels is smaller than the {KernelSize}×{KernelSize} window (input shape {Tensor.FormatShape(inputShape)})");
        }

        return [inputShape[0], inputShape[1], outHeight, outWidth];
    }

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, H, W] → output [N, C, H', W']</c>.</remarks>
    public override Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        Pool(input.AsSpan(), output.AsSpan(), Geometry(input.Shape, outShape));
        if (IsTraining)
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
        ConvGeometry g = Geometry(_input.Shape, _outputShape);
        float[] x = _input.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        int inImage = g.InChannels * g.InPlane, outImage = g.InChannels * g.OutPlane;

        // Images are independent: ranges of 16 run in parallel.
        Parallelism.ForRanges(g.Batch, 16, (start, count) => PoolBackward(
            x.AsSpan(start * inImage, count * inImage), dy.AsSpan(start * outImage, count * outImage), dx.AsSpan(start * inImage, count * inImage), g with { Batch = count }));
        return inputGradient;
    }

    /// <summary>The short form used in messages, e.g. <c>AvgPool2d(k=2, stride=2)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"{Name}(k={KernelSize}, stride={Stride})";

    /// <summary>The pooling kernel: input [N,C,H,W] → output [N,C,H',W'].</summary>
    private protected abstract void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry);

    /// <summary>The pooling kernel's backward: input [N,C,H,W] and outGrad [N,C,H',W'] → inGrad [N,C,H,W] (overwritten).</summary>
    private protected abstract void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry);

    private protected ConvGeometry Geometry(ReadOnlySpan<int> s, int[] outShape) =>
        new(s[0], s[1], s[2], s[3], s[1], KernelSize, Stride, 0, outShape[2], outShape[3]);
}
