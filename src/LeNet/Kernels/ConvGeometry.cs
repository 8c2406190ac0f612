using System.Diagnostics;

namespace LeNet.Kernels;

/// <summary>The sizes of one 2-D convolution or pooling call (square kernel, equal stride and padding on both axes).</summary>
internal readonly record struct ConvGeometry(
    int Batch, int InChannels, int Height, int Width,
    int OutChannels, int Kernel, int Stride, int Padding,
    int OutHeight, int OutWidth)
{
    public int InPlane => Height * Width;

    public int OutPlane => OutHeight * OutWidth;

    [Conditional("DEBUG")]
    public void AssertSpans(int input, int weight, int output)
    {
        Debug.Assert(input == Batch * InChannels * InPlane);
        Debug.Assert(weight < 0 || weight == OutChannels * InChannels * Kernel * Kernel);
        Debug.Assert(output == Batch * OutChannels * OutPlane);
    }

    /// <summary>
    /// The range of output columns <c>[start, end)</c> whose input column <c>ow·stride − padding + offset</c>
    /// falls inside the image: the rest read zero padding and are skipped.
    /// </summary>
    public (int Start, int End) ValidRange(int offset, int inSize, int outSize)
    {
        // ow·s − p + offset ≥ 0  ⇔  ow ≥ (p − offset) / s, rounded up.
        int low = Padding - offset;
        int start = low <= 0 ? 0 : Math.Min(outSize, (low + Stride - 1) / Stride);

        // ow·s − p + offset ≤ inSize − 1  ⇔  ow ≤ (inSize − 1 + p − offset) / s, rounded down.
        int high = inSize - 1 + Padding - offset;
        int end = high < 0 ? 0 : Math.Min(outSize, (high / Stride) + 1);
        return (start, Math.Max(start, end));
    }
}
