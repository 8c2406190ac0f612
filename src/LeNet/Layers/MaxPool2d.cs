using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D max pooling over NCHW images, like <c>torch.nn.MaxPool2d(kernel_size, stride=None, padding=0,
/// dilation=1, ceil_mode=False)</c>: each output is the largest value of a kH×kW window, padding counting
/// as −∞ (a NaN in the window wins, and the first of equal values takes the gradient, as in PyTorch). Each of
/// kernel size, stride, padding and dilation is one int for both axes or a (height, width) pair, as in PyTorch.
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with
/// <c>H' = ⌊(H + 2·pH − dH·(kH − 1) − 1) / sH⌋ + 1</c> and likewise W' (⌈·⌉ in ceil mode, dropping a
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
        : base((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode)
    {
    }

    /// <summary>Creates the layer with a (height, width) pair for each size, like <c>nn.MaxPool2d((kH, kW), (sH, sW), (pH, pW), (dH, dW))</c>.</summary>
    /// <param name="kernelSize">Height and width of the window (kH, kW).</param>
    /// <param name="stride">Step of the window (sH, sW); defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <param name="padding">Implicit −∞ padding (pH, pW) on both sides of each axis, at most half the kernel on that axis; defaults to (0, 0).</param>
    /// <param name="dilation">Spacing between window taps (dH, dW); defaults to (1, 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <exception cref="ArgumentOutOfRangeException">A kernel size, stride or dilation is not positive, or a padding is negative or more than half the kernel size on its axis.</exception>
    public MaxPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, bool ceilMode = false)
        : base(kernelSize, stride, padding ?? (0, 0), dilation ?? (1, 1), ceilMode)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(MaxPool2d);

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("MaxPool", this, prefix)
            .Int("ceil_mode", CeilMode ? 1 : 0)
            .Ints("dilations", Dilation.Height, Dilation.Width)
            .Ints("kernel_shape", KernelSize.Height, KernelSize.Width)
            .Ints("pads", Padding.Height, Padding.Width, Padding.Height, Padding.Width)
            .Ints("strides", Stride.Height, Stride.Width);

    private protected override void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry) =>
        PoolKernel.MaxForward(input, output, geometry);

    private protected override void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry) =>
        PoolBackwardKernel.MaxBackward(input, outputGradient, inputGradient, geometry);

    private protected override void PoolGeneral(float[] input, float[] output, int[] argmax, PoolWindow window) =>
        PoolWindowKernel.MaxForward(input, output, argmax, window);

    private protected override void PoolGeneralBackward(float[] outputGradient, int[] argmax, float[] inputGradient, PoolWindow window) =>
        PoolWindowKernel.MaxBackward(outputGradient, argmax, inputGradient, window);
}
