namespace LeNet.Kernels;

/// <summary>The sizes of one general pooling call: planes of [Height, Width] → [OutHeight, OutWidth], a square window.</summary>
internal readonly record struct PoolWindow(int Planes, int Height, int Width, int Kernel, int Stride, int Padding, int Dilation, int OutHeight, int OutWidth)
{
    public int Plane => Height * Width;

    public int OutPlane => OutHeight * OutWidth;

    /// <summary>
    /// PyTorch's average-pool window along one axis: start = o·s − p, end = min(start + k, size + p); the
    /// divisor's extent is end − start with countIncludePad, else the part inside [0, size); the pixels
    /// summed are [max(start, 0), min(end, size)).
    /// </summary>
    public (int Start, int End, int Extent) Clip(int o, int size, bool countIncludePad)
    {
        int start = (o * Stride) - Padding;
        int end = Math.Min(start + Kernel, size + Padding);
        int extent = end - start;
        start = Math.Max(start, 0);
        end = Math.Min(end, size);
        return (start, end, countIncludePad ? extent : end - start);
    }
}
