using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// The sizes of a general 2-D convolution between an image [Batch, Channels, Height, Width] and its
/// columns [Channels/Groups · KernelHeight · KernelWidth, OutHeight · OutWidth] per group: column
/// position (y, x) reads image pixel (y·StrideH − PadH + i·DilationH, x·StrideW − PadW + j·DilationW)
/// for tap (i, j). For Conv2d the image is the input and the columns span the output; for
/// ConvTranspose2d the image is the output and the columns span the input.
/// </summary>
internal readonly record struct ConvWindow(
    int Batch, int Channels, int Height, int Width, int Groups,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int PadHeight, int PadWidth, int DilationHeight, int DilationWidth,
    int OutHeight, int OutWidth)
{
    public int Plane => Height * Width;

    public int OutPlane => OutHeight * OutWidth;

    /// <summary>Image channels per group.</summary>
    public int GroupChannels => Channels / Groups;

    /// <summary>Rows of one group's column matrix: GroupChannels · KernelHeight · KernelWidth.</summary>
    public int Taps => GroupChannels * KernelHeight * KernelWidth;

    /// <summary>
    /// Column positions <c>[start, end)</c> along one axis whose pixel <c>o·stride − pad + offset</c> lies in
    /// <c>[0, size)</c>; the others read zero padding.
    /// </summary>
    public static (int Start, int End) ValidRange(int offset, int stride, int pad, int size, int outSize)
    {
        // A padding wider than the output (a 7×7 kernel with padding 3 on a 2×2 image) puts every column of an
        // outer tap in the padding: start is then clamped to outSize, an empty range.
        int low = pad - offset;
        int start = low <= 0 ? 0 : Math.Min(outSize, (low + stride - 1) / stride);
        int high = size - 1 + pad - offset;
        int end = high < 0 ? 0 : Math.Min(outSize, (high / stride) + 1);
        return (start, Math.Max(start, end));
    }

    /// <summary>
    /// im2col of one group: col[(c·KH + i)·KW + j, y·OW + x] = image[c, y·sh − ph + i·dh, x·sw − pw + j·dw],
    /// 0 where that is padding. <paramref name="image"/> holds the group's GroupChannels planes.
    /// </summary>
    public void Im2Col(ReadOnlySpan<float> image, Span<float> col) => Im2Col(image, col, OutPlane);

    /// <summary>
    /// As <see cref="Im2Col(ReadOnlySpan{float}, Span{float})"/> with the column rows <paramref name="rowStride"/>
    /// floats apart (≥ OutHeight·OutWidth; the slack after each row is zeroed), as the inference GEMM reads them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Im2Col(ReadOnlySpan<float> image, Span<float> col, int rowStride)
    {
        Debug.Assert(rowStride >= OutPlane && image.Length >= GroupChannels * Plane && col.Length >= ((Taps - 1) * rowStride) + OutPlane);
        for (int c = 0; c < GroupChannels; c++)
        {
            ReadOnlySpan<float> channel = image.Slice(c * Plane, Plane);
            for (int i = 0; i < KernelHeight; i++)
            {
                (int yStart, int yEnd) = ValidRange(i * DilationHeight, StrideHeight, PadHeight, Height, OutHeight);
                for (int j = 0; j < KernelWidth; j++)
                {
                    (int xStart, int xEnd) = ValidRange(j * DilationWidth, StrideWidth, PadWidth, Width, OutWidth);
                    int r = (((c * KernelHeight) + i) * KernelWidth) + j;
                    col.Slice((r * rowStride) + OutPlane, Math.Min(rowStride - OutPlane, col.Length - (r * rowStride) - OutPlane)).Clear();
                    Span<float> row = col.Slice(r * rowStride, OutPlane);
                    row[..(yStart * OutWidth)].Clear();
                    row[(yEnd * OutWidth)..].Clear();
                    for (int y = yStart; y < yEnd; y++)
                    {
                        Span<float> outRow = row.Slice(y * OutWidth, OutWidth);
                        outRow[..xStart].Clear();
                        outRow[xEnd..].Clear();
                        if (xStart == xEnd)
                        {
                            // The whole row reads padding (cleared above); its source offset may lie outside the image.
                            continue;
                        }

                        int source = (((y * StrideHeight) - PadHeight + (i * DilationHeight)) * Width) + (xStart * StrideWidth) - PadWidth + (j * DilationWidth);
                        Span<float> dst = outRow[xStart..xEnd];
                        if (StrideWidth == 1)
                        {
                            channel.Slice(source, dst.Length).CopyTo(dst);
                        }
                        else
                        {
                            for (int t = 0; t < dst.Length; t++)
                            {
                                dst[t] = channel[source + (t * StrideWidth)];
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col(ReadOnlySpan{float}, Span{float})"/>: image[c, y·sh − ph + i·dh, x·sw − pw + j·dw] += col[(c·KH + i)·KW + j, y·OW + x].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Col2Im(ReadOnlySpan<float> col, Span<float> image)
    {
        Debug.Assert(image.Length >= GroupChannels * Plane && col.Length >= Taps * OutPlane);
        for (int c = 0; c < GroupChannels; c++)
        {
            Span<float> channel = image.Slice(c * Plane, Plane);
            for (int i = 0; i < KernelHeight; i++)
            {
                (int yStart, int yEnd) = ValidRange(i * DilationHeight, StrideHeight, PadHeight, Height, OutHeight);
                for (int j = 0; j < KernelWidth; j++)
                {
                    (int xStart, int xEnd) = ValidRange(j * DilationWidth, StrideWidth, PadWidth, Width, OutWidth);
                    if (xStart == xEnd)
                    {
                        // Every column of this tap read padding: nothing flows back to the image.
                        continue;
                    }

                    ReadOnlySpan<float> row = col.Slice((((c * KernelHeight) + i) * KernelWidth + j) * OutPlane, OutPlane);
                    for (int y = yStart; y < yEnd; y++)
                    {
                        int target = (((y * StrideHeight) - PadHeight + (i * DilationHeight)) * Width) + (xStart * StrideWidth) - PadWidth + (j * DilationWidth);
                        ReadOnlySpan<float> src = row.Slice((y * OutWidth) + xStart, xEnd - xStart);
                        if (StrideWidth == 1)
                        {
                            Span<float> dst = channel.Slice(target, src.Length);
                            System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
                        }
                        else
                        {
                            for (int t = 0; t < src.Length; t++)
                            {
                                channel[target + (t * StrideWidth)] += src[t];
                            }
                        }
                    }
                }
            }
        }
    }
}
