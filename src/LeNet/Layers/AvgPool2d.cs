using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D average pooling over NCHW images, like <c>torch.nn.AvgPool2d(kernel_size, stride=None)</c>
/// (no padding, floor rounding): each output is the mean of a square window.
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with <c>H' = ⌊(H − kernelSize) / stride⌋ + 1</c>.
/// </remarks>
public sealed class AvgPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size or stride is not positive.</exception>
    public AvgPool2d(int kernelSize, int? stride = null)
        : base(kernelSize, stride)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(AvgPool2d);

    /// <remarks>PyTorch's defaults (no padding, floor rounding) are ONNX's: ceil_mode 0, count_include_pad 0.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("AveragePool", this, prefix)
            .Ints("kernel_shape", KernelSize, KernelSize)
            .Ints("pads", 0, 0, 0, 0)
            .Ints("strides", Stride, Stride);

    private protected override void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry) =>
        PoolKernel.AverageForward(input, output, geometry);

    private protected override void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry) =>
        PoolBackwardKernel.AverageBackward(outputGradient, inputGradient, geometry);
}
