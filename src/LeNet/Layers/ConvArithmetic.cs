namespace LeNet.Layers;

/// <summary>The one place where the output size of a sliding window (convolution or pooling) is computed.</summary>
internal static class ConvArithmetic
{
    /// <summary>
    /// PyTorch's formula with dilation 1 and floor rounding: <c>⌊(in + 2·padding − kernel) / stride⌋ + 1</c>.
    /// Returns 0 or less when the padded input is smaller than the kernel.
    /// </summary>
    public static int OutputSize(int inputSize, int kernelSize, int stride, int padding) =>
        inputSize + (2 * padding) < kernelSize ? 0 : ((inputSize + (2 * padding) - kernelSize) / stride) + 1;
}
