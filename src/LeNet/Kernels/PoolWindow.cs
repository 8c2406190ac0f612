namespace LeNet.Kernels;

/// <summary>
/// The sizes of one general pooling call: planes of [Height, Width] → [OutHeight, OutWidth], a window of
/// KernelHeight×KernelWidth taps with its own stride, padding and dilation on each axis.
/// </summary>
internal readonly record struct PoolWindow(
    int Planes, int Height, int Width,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int PaddingHeight, int PaddingWidth, int DilationHeight, int DilationWidth,
    int OutHeight, int OutWidth)
{
    public int Plane => Height * Width;

    public int OutPlane => OutHeight * OutWidth;

    /// <summary>The average-pool window of output row <paramref name="o"/> (see <see cref="Clip(int, int, int, int, int, bool)"/>).</summary>
    public (int Start, int End, int Extent) ClipRow(int o, bool countIncludePad) => Clip(o, Height, KernelHeight, StrideHeight, PaddingHeight, countIncludePad);

    /// <summary>The average-pool window of output column <paramref name="o"/> (see <see cref="Clip(int, int, int, int, int, bool)"/>).</summary>
    public (int Start, int End, int Extent) ClipColumn(int o, bool countIncludePad) => Clip(o, Width, KernelWidth, StrideWidth, PaddingWidth, countIncludePad);

    /// <summary>
    /// PyTorch's average-pool window along one axis: start = o·s − p, end = min(start + k, size + p); the
    /// divisor's extent is end − start with countIncludePad, else the part inside [0, size); the pixels
    /// summed are [max(start, 0), min(end, size)).
    /// </summary>
    private static (int Start, int End, int Extent) Clip(int o, int size, int kernel, int stride, int padding, bool countIncludePad)
    {
        int start = (o * stride) - padding;
        int end = Math.Min(start + kernel, size + padding);
        int extent = end - start;
        start = Math.Max(start, 0);
        end = Math.Min(end, size);
        return (start, end, countIncludePad ? extent : end - start);
    }
}
