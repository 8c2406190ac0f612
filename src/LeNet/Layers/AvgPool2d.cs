using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D average pooling over NCHW images, like <c>torch.nn.AvgPool2d(kernel_size, stride=None, padding=0,
/// ceil_mode=False, count_include_pad=True)</c>: each output is the mean of a kH×kW window, padding
/// counting as zeros. The divisor is the window clipped to the padded input (countIncludePad) or to the
/// input itself; in ceil mode the part of a window beyond the padded input never counts, as in PyTorch.
/// Each of kernel size, stride and padding is one int for both axes or a (height, width) pair, as in PyTorch.
/// </summary>
/// <remarks>
/// <c>input [N, C, H, W] → output [N, C, H', W']</c> with <c>H' = ⌊(H + 2·pH − kH) / sH⌋ + 1</c> and likewise W'
/// (⌈·⌉ in ceil mode, dropping a last window that would start in the right padding).
/// </remarks>
public sealed class AvgPool2d : Pool2d
{
    /// <summary>Creates the layer.</summary>
    /// <param name="kernelSize">Height and width of the square window.</param>
    /// <param name="stride">Step of the window; defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <param name="padding">Implicit zero padding on every side; at most half the kernel size.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Whether the padding counts in the divisor.</param>
    /// <exception cref="ArgumentOutOfRangeException">The kernel size or stride is not positive, or the padding is negative or more than half the kernel size.</exception>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride is int s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad)
    {
    }

    /// <summary>Creates the layer with a (height, width) pair for each size, like <c>nn.AvgPool2d((kH, kW), (sH, sW), (pH, pW))</c>.</summary>
    /// <param name="kernelSize">Height and width of the window (kH, kW).</param>
    /// <param name="stride">Step of the window (sH, sW); defaults to <paramref name="kernelSize"/>, as in PyTorch.</param>
    /// <param name="padding">Implicit zero padding (pH, pW) on both sides of each axis, at most half the kernel on that axis; defaults to (0, 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Whether the padding counts in the divisor.</param>
    /// <exception cref="ArgumentOutOfRangeException">A kernel size or stride is not positive, or a padding is negative or more than half the kernel size on its axis.</exception>
    public AvgPool2d((int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, bool ceilMode = false, bool countIncludePad = true)
        : base(kernelSize, stride, padding ?? (0, 0), (1, 1), ceilMode)
    {
        CountIncludePad = countIncludePad;
    }

    /// <summary>Whether the zero padding counts in the divisor (PyTorch's <c>count_include_pad</c>).</summary>
    public bool CountIncludePad { get; }

    private protected override string Extra => CountIncludePad || Padding == (0, 0) ? "" : ", countIncludePad=false";

    /// <inheritdoc/>
    public override string Name => nameof(AvgPool2d);

    /// <remarks>Without padding, count_include_pad makes no difference, and the plain layer writes ONNX's defaults.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        OnnxNode node = graph.AddLayerNode("AveragePool", this, prefix);
        if (CeilMode)
        {
            node.Int("ceil_mode", 1);
        }

        if (Padding != (0, 0) && CountIncludePad)
        {
            node.Int("count_include_pad", 1);
        }

        node.Ints("kernel_shape", KernelSize.Height, KernelSize.Width)
            .Ints("pads", Padding.Height, Padding.Width, Padding.Height, Padding.Width)
            .Ints("strides", Stride.Height, Stride.Width);
    }

    private protected override void Pool(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry geometry) =>
        PoolKernel.AverageForward(input, output, geometry);

    private protected override void PoolBackward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient, in ConvGeometry geometry) =>
        PoolBackwardKernel.AverageBackward(outputGradient, inputGradient, geometry);

    private protected override void PoolGeneral(float[] input, float[] output, int[] argmax, PoolWindow window) =>
        PoolWindowKernel.AverageForward(input, output, window, CountIncludePad);

    private protected override void PoolGeneralBackward(float[] outputGradient, int[] argmax, float[] inputGradient, PoolWindow window) =>
        PoolWindowKernel.AverageBackward(outputGradient, inputGradient, window, CountIncludePad);
}
