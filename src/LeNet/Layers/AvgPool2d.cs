using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D average pooling over NCHW images, like <c>torch.nn.AvgPool2d(kernel_size, stride=None)</c>
/// (no padding, floor rounding): each output is the mean of a square window.
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with <c>H' = ⌊(H − kernelSize) / stride⌋ + 1</c>.
/// </remarks>
public sealed class AvgPool2d : ILayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size or stride is not positive.</exception>
    public AvgPool2d(int kernelSize, int? stride = null)
    {
        LayerGuard.AtLeast(kernelSize, 1, nameof(AvgPool2d), nameof(kernelSize));
        LayerGuard.AtLeast(stride ?? kernelSize, 1, nameof(AvgPool2d), nameof(stride));
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
    }

    /// <inheritdoc/>
    public string Name => nameof(AvgPool2d);

    /// <summary>Height and width of the square window.</summary>
    public int KernelSize { get; }

    /// <summary>Step of the window on both axes.</summary>
    public int Stride { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, H', W']</c>.</remarks>
    public int[] GetOutputShape(ReadOnlySpan<int> inputShape)
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
    public Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        var output = new Tensor(outShape);
        ReadOnlySpan<int> s = input.Shape;
        var geometry = new ConvGeometry(s[0], s[1], s[2], s[3], s[1], KernelSize, Stride, 0, outShape[2], outShape[3]);
        PoolKernel.AverageForward(input.AsSpan(), output.AsSpan(), geometry);
        return output;
    }

    /// <inheritdoc/>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <summary>The short form used in messages: <c>AvgPool2d(k=2, stride=2)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"AvgPool2d(k={KernelSize}, stride={Stride})";
}
