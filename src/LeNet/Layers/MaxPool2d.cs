using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D max pooling over NCHW images, like <c>torch.nn.MaxPool2d(kernel_size, stride=None)</c>
/// (no padding, dilation 1, floor rounding): each output is the largest value of a square window
/// (a NaN in the window wins, as in PyTorch).
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with <c>H' = ⌊(H − kernelSize) / stride⌋ + 1</c>.
/// </remarks>
public sealed class MaxPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size or stride is not positive.</exception>
    public MaxPool2d(int kernelSize, int? stride = null)
        : base(kernelSize, stride)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(MaxPool2d);

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("MaxPool", this, prefix)
            .Ints("kernel_shape", KernelSize, KernelSize)
            .Ints("pads", 0, 0, 0, 0)
            .Ints("strides", Stride, Stride);

    private protected override void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry) =>
        PoolKernel.MaxForward(input, output, geometry);

    private protected override void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry) =>
        PoolBackwardKernel.MaxBackward(input, outputGradient, inputGradient, geometry);
}
