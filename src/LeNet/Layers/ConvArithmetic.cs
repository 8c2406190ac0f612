namespace LeNet.Layers;

/// <summary>The one place where the output size of a sliding window (convolution or pooling) is computed.</summary>
internal static class ConvArithmetic
{
    /// <summary>
    /// PyTorch's formula: <c>⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1</c>, rounded up
    /// instead with <paramref name="ceilMode"/> (pooling), where a last window that would start in the
    /// right padding is dropped, as in PyTorch. Returns 0 or less when the padded input is smaller than the
    /// dilated kernel.
    /// </summary>
    public static int OutputSize(int inputSize, int kernelSize, int stride, int padding, int dilation = 1, bool ceilMode = false)
    {
        int span = (dilation * (kernelSize - 1)) + 1;
        int room = inputSize + (2 * padding) - span;
        if (room < 0)
        {
            return 0;
        }

        int size = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceilMode && (size - 1) * stride >= inputSize + padding)
        {
            size--;
        }

        return size;
    }
}
