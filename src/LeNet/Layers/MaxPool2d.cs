using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D max pooling over NCHW images, like <c>torch.nn.MaxPool2d(kernel_size, stride=None, padding=0,
/// dilation=1, ceil_mode=False)</c>: each output is the largest value of a square window, padding counting
/// as −∞ (a NaN in the window wins, and the first of equal values takes the gradient, as in PyTorch).
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with
/// <c>H' = ⌊(H + 2·padding − dilation·(kernelSize − 1) − 1) / stride⌋ + 1</c> (⌈·⌉ in ceil mode, dropping a
/// last window that would start in the right padding).
/// </remarks>
public sealed class MaxPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <param name="padding">Implicit −∞ padding on every side; at most half the kernel size.</param>
    /// <param name="dilation">Spacing between window taps.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size, stride or dilation is not positive, or the padding is negative or more than half the kernel size.</exception>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : base(kernelSize, stride, padding, dilation, ceilMode)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(MaxPool2d);

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("MaxPool", this, prefix)
            .Int("ceil_mode", CeilMode ? 1 : 0)
            .Ints("dilations", Dilation, Dilation)
            .Ints("kernel_shape", KernelSize, KernelSize)
            .Ints("pads", Padding, Padding, Padding, Padding)
            .Ints("strides", Stride, Stride);

    private protected override void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry) =>
        PoolKernel.MaxForward(input, output, geometry);

    private protected override void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry) =>
        PoolBackwardKernel.MaxBackward(input, outputGradient, inputGradient, geometry);

    private protected override void PoolGeneral(float[] input, float[] output, int[] argmax, PoolWindow window) =>
        PoolWindowKernel.MaxForward(input, output, argmax, window);

    private protected override void PoolGeneralBackward(float[] outputGradient, int[] argmax, float[] inputGradient, PoolWindow window) =>
        PoolWindowKernel.MaxBackward(outputGradient, argmax, inputGradient, window);
}
