using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// 2-D padding of planes [planes, H, W] → [planes, top + H + bottom, left + W + right], forward and backward.
/// Each output position reads one input position (or the constant): the interior of a row is one contiguous copy
/// (or, backward, one vectorized add), the border columns and rows map through <see cref="Source"/>.
/// </summary>
internal static class Pad2dKernel
{
    /// <summary>
    /// The input index an output index i − pad maps to along a dimension of size n, or −1 for the constant:
    /// reflect mirrors without repeating the edge (−1 → 1, n → n − 2), replicate clamps.
    /// </summary>
    public static int Source(int i, int n, PadMode mode) => mode switch
    {
        PadMode.Reflect => i < 0 ? -i : i >= n ? (2 * (n - 1)) - i : i,
        PadMode.Replicate => Math.Clamp(i, 0, n - 1),
        _ => (uint)i < (uint)n ? i : -1,
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int planes, int h, int w, (int Left, int Right, int Top, int Bottom) pad, PadMode mode, float value)
    {
        int outH = pad.Top + h + pad.Bottom, outW = pad.Left + w + pad.Right;
        Debug.Assert(x.Length == planes * h * w && y.Length == planes * outH * outW);
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                Span<float> yRow = y.Slice(((p * outH) + oh) * outW, outW);
                int ih = Source(oh - pad.Top, h, mode);
                if (ih < 0)
                {
                    yRow.Fill(value);
                    continue;
                }

                ReadOnlySpan<float> xRow = x.Slice(((p * h) + ih) * w, w);
                xRow.CopyTo(yRow.Slice(pad.Left, w));
                for (int j = 0; j < pad.Left; j++)
                {
                    int iw = Source(j - pad.Left, w, mode);
                    yRow[j] = iw < 0 ? value : xRow[iw];
                }

                for (int j = pad.Left + w; j < outW; j++)
                {
                    int iw = Source(j - pad.Left, w, mode);
                    yRow[j] = iw < 0 ? value : xRow[iw];
                }
            }
        }
    }

    /// <summary>dx[source] += dy over every output position (reflect and replicate add several into one input); constant positions have no source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, int planes, int h, int w, (int Left, int Right, int Top, int Bottom) pad, PadMode mode)
    {
        int outH = pad.Top + h + pad.Bottom, outW = pad.Left + w + pad.Right;
        Debug.Assert(dx.Length == planes * h * w && dy.Length == planes * outH * outW);
        dx.Clear();
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                int ih = Source(oh - pad.Top, h, mode);
                if (ih < 0)
                {
                    continue;
                }

                ReadOnlySpan<float> dyRow = dy.Slice(((p * outH) + oh) * outW, outW);
                Span<float> dxRow = dx.Slice(((p * h) + ih) * w, w);
                TensorPrimitives.Add(dxRow, dyRow.Slice(pad.Left, w), dxRow);
                for (int j = 0; j < pad.Left; j++)
                {
                    Accumulate(dxRow, Source(j - pad.Left, w, mode), dyRow[j]);
                }

                for (int j = pad.Left + w; j < outW; j++)
                {
                    Accumulate(dxRow, Source(j - pad.Left, w, mode), dyRow[j]);
                }
            }
        }
    }

    private static void Accumulate(Span<float> row, int index, float value)
    {
        if (index >= 0)
        {
            row[index] += value;
        }
    }
}
