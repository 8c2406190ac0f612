using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Kernels;

/// <summary>
/// Max pooling with implicit −∞ padding (resnet's stem: 3×3, stride 2, padding 1) or ceil rounding (SqueezeNet's 3×3,
/// stride 2), square window and stride, dilation 1: each window clipped to the image, as PyTorch's <c>max_pool2d</c>
/// ignores the padding and the part of a ceil-mode window past the image (every window starts inside the image).
/// </summary>
/// <remarks>
/// One image: the rows of an output row's window are reduced first, vectorized along the input row into a scratch row,
/// then each output takes the max of its clipped columns of that row. A tile: vectorized across images.
/// </remarks>
internal static class PaddedMaxPoolKernel
{
    /// <summary>
    /// input planes [C, H, W] (rows <paramref name="inRow"/> apart, planes <paramref name="inPlane"/> apart) →
    /// output [C, H', W'] (rows <paramref name="outRow"/>, planes <paramref name="outPlane"/> apart); <paramref name="row"/> holds W floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Image<TOps, TVec>(
        ReadOnlySpan<float> input, int inRow, int inPlane, int height, int width, Span<float> output, int outRow, int outPlane, int outHeight, int outWidth,
        int channels, int k, int stride, int pad, Span<float> row)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float r = ref MemoryMarshal.GetReference(row);
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = input.Slice(c * inPlane);
            Span<float> outPlaneSpan = output.Slice(c * outPlane);
            for (int y = 0; y < outHeight; y++)
            {
                int top = Math.Max(0, (y * stride) - pad), bottom = Math.Min(height, (y * stride) - pad + k);
                ref float first = ref Unsafe.AsRef(in plane[top * inRow]);
                int x = 0;
                for (; x <= width - TOps.Count; x += TOps.Count)
                {
                    TVec max = TOps.Load(ref first, x);
                    for (int i = 1; i < bottom - top; i++)
                    {
                        max = TOps.Max(max, TOps.Load(ref first, (i * inRow) + x));
                    }

                    TOps.Store(max, ref r, x);
                }

                if (x < width && width >= TOps.Count)
                {
                    // The row's last vector overlaps the one before: a maximum taken twice is the same bits, no scalar tail.
                    x = width - TOps.Count;
                    TVec max = TOps.Load(ref first, x);
                    for (int i = 1; i < bottom - top; i++)
                    {
                        max = TOps.Max(max, TOps.Load(ref first, (i * inRow) + x));
                    }

                    TOps.Store(max, ref r, x);
                    x = width;
                }

                for (; x < width; x++)
                {
                    float max = Unsafe.Add(ref first, x);
                    for (int i = 1; i < bottom - top; i++)
                    {
                        max = ScalarOps.Max(max, Unsafe.Add(ref first, (i * inRow) + x));
                    }

                    Unsafe.Add(ref r, x) = max;
                }

                Span<float> dst = outPlaneSpan.Slice(y * outRow, outWidth);
                HorizontalMax<TOps, TVec>(ref r, width, ref MemoryMarshal.GetReference(dst), outWidth, k, stride, pad);
            }
        }
    }

    /// <summary>
    /// dst[ox] = max of row[x] over the window's columns x ∈ [ox·s − pad, ox·s − pad + k) clipped to [0, width). The
    /// windows that lie inside the row (all but the first with padding and the last in ceil mode) read the k-wide maxima
    /// m[x] = max(row[x … x + k − 1]), made vectorized along the row in place (a vector's k loads start at or after the
    /// lanes it overwrites, so the row is read before it is written), then taken every s-th; the clipped ones at the
    /// ends are reduced one by one from the row before it is overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HorizontalMax<TOps, TVec>(ref float r, int width, ref float dst, int outWidth, int k, int stride, int pad)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        // Interior windows: ox·s − pad ≥ 0 and ox·s − pad + k ≤ width.
        int first = (pad + stride - 1) / stride;
        int last = width - k + pad < 0 ? -1 : Math.Min(outWidth - 1, (width - k + pad) / stride);
        if (first > last)
        {
            ClippedMax(ref r, width, ref dst, 0, outWidth, k, stride, pad);
            return;
        }

        ClippedMax(ref r, width, ref dst, 0, first, k, stride, pad);
        ClippedMax(ref r, width, ref dst, last + 1, outWidth, k, stride, pad);
        if (k == 3 && stride == 2 && last - first + 1 >= TOps.Count)
        {
            WindowsOfThreeByTwo<TOps, TVec>(ref r, ref dst, first, last, pad);
            return;
        }

        int span = (last * stride) - pad + 1;
        int x = 0;
        int lastVector = width - k - TOps.Count + 1;
        if (lastVector > 0 && span > TOps.Count)
        {
            // The maxima of the last whole vector of windows are taken first, from the row as it is, and stored after the
            // loop: they overlap the loop's last vector (the same bits), so no scalar tail is left.
            TVec tail = TOps.Load(ref r, lastVector);
            for (int j = 1; j < k; j++)
            {
                tail = TOps.Max(tail, TOps.Load(ref r, lastVector + j));
            }

            for (; x < lastVector; x += TOps.Count)
            {
                TVec max = TOps.Load(ref r, x);
                for (int j = 1; j < k; j++)
                {
                    max = TOps.Max(max, TOps.Load(ref r, x + j));
                }

                TOps.Store(max, ref r, x);
            }

            TOps.Store(tail, ref r, lastVector);
            x = span;
        }

        for (; x <= lastVector && x < span; x += TOps.Count)
        {
            TVec max = TOps.Load(ref r, x);
            for (int j = 1; j < k; j++)
            {
                max = TOps.Max(max, TOps.Load(ref r, x + j));
            }

            TOps.Store(max, ref r, x);
        }

        for (; x < span; x++)
        {
            float max = Unsafe.Add(ref r, x);
            for (int j = 1; j < k; j++)
            {
                max = ScalarOps.Max(max, Unsafe.Add(ref r, x + j));
            }

            Unsafe.Add(ref r, x) = max;
        }

        for (int ox = first; ox <= last; ox++)
        {
            Unsafe.Add(ref dst, ox) = Unsafe.Add(ref r, (ox * stride) - pad);
        }
    }

    /// <summary>
    /// The interior windows [<paramref name="first"/>, <paramref name="last"/>] of a 3-wide, stride-2 pool (SqueezeNet's
    /// and resnet's stem pools), a vector of outputs at a time: window ox starts at x = 2·ox − pad, and the even lanes,
    /// the odd lanes, and the odd lanes one float further of the row from there are columns x, x + 1 and x + 2 of a
    /// vector of windows. Each output is max(max(row[x], row[x + 1]), row[x + 2]), the order of the general path, so the
    /// bits are the same; the last vector overlaps the one before instead of a scalar tail. Reads row[2·first − pad …
    /// 2·last − pad + 2] only, the interior windows' own columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WindowsOfThreeByTwo<TOps, TVec>(ref float r, ref float dst, int first, int last, int pad)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int vl = TOps.Count;
        for (int ox = first; ; ox += vl)
        {
            // The last vector ends at the last window, overlapping the one before (the same bits twice).
            ox = Math.Min(ox, last - vl + 1);
            int x = (2 * ox) - pad;
            TVec low = TOps.Load(ref r, x), high = TOps.Load(ref r, x + vl);
            TVec shiftedLow = TOps.Load(ref r, x + 1), shiftedHigh = TOps.Load(ref r, x + 1 + vl);
            TVec max = TOps.Max(TOps.Max(TOps.Evens(low, high), TOps.Odds(low, high)), TOps.Odds(shiftedLow, shiftedHigh));
            TOps.Store(max, ref dst, ox);
            if (ox + vl > last)
            {
                return;
            }
        }
    }

    /// <summary>dst[ox] for ox in [from, to), each window clipped to the row, one column at a time.</summary>
    private static void ClippedMax(ref float r, int width, ref float dst, int from, int to, int k, int stride, int pad)
    {
        for (int ox = from; ox < to; ox++)
        {
            int left = Math.Max(0, (ox * stride) - pad), right = Math.Min(width, (ox * stride) - pad + k);
            float max = Unsafe.Add(ref r, left);
            for (int j = left + 1; j < right; j++)
            {
                max = ScalarOps.Max(max, Unsafe.Add(ref r, j));
            }

            Unsafe.Add(ref dst, ox) = max;
        }
    }

    /// <summary>The <c>TOps.Count</c> images of a tile from <paramref name="lane"/> on; input and output in their maps' interiors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TOps, TVec>(float[] input, TileMap inMap, float[] output, TileMap outMap, int k, int stride, int pad, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float src = ref MemoryMarshal.GetArrayDataReference(input);
        ref float dst = ref MemoryMarshal.GetArrayDataReference(output);
        for (int c = 0; c < outMap.Channels; c++)
        {
            for (int y = 0; y < outMap.Height; y++)
            {
                int top = Math.Max(0, (y * stride) - pad), bottom = Math.Min(inMap.Height, (y * stride) - pad + k);
                for (int x = 0; x < outMap.Width; x++)
                {
                    int left = Math.Max(0, (x * stride) - pad), right = Math.Min(inMap.Width, (x * stride) - pad + k);
                    TVec max = TOps.Load(ref src, inMap.Offset(c, top, left) + lane);
                    for (int i = top; i < bottom; i++)
                    {
                        for (int j = left; j < right; j++)
                        {
                            max = TOps.Max(max, TOps.Load(ref src, inMap.Offset(c, i, j) + lane));
                        }
                    }

                    TOps.Store(max, ref dst, outMap.Offset(c, y, x) + lane);
                }
            }
        }
    }
}
