using System.Numerics.Tensors;

namespace LeNet.Kernels;

/// <summary>
/// Direct 2-D convolution over NCHW spans (cross-correlation, as in PyTorch).
/// input [N,C,H,W], weight [O,C,K,K], bias [O] or empty; output [N,O,OH,OW].
/// </summary>
internal static class Conv2dKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, in ConvGeometry g)
    {
        g.AssertSpans(input.Length, weight.Length, output.Length);
        int k = g.Kernel;
        for (int n = 0; n < g.Batch; n++)
        {
            ReadOnlySpan<float> image = input.Slice(n * g.InChannels * g.InPlane, g.InChannels * g.InPlane);
            for (int o = 0; o < g.OutChannels; o++)
            {
                Span<float> plane = output.Slice(((n * g.OutChannels) + o) * g.OutPlane, g.OutPlane);
                plane.Fill(bias.IsEmpty ? 0f : bias[o]);
                for (int c = 0; c < g.InChannels; c++)
                {
                    ReadOnlySpan<float> channel = image.Slice(c * g.InPlane, g.InPlane);
                    ReadOnlySpan<float> taps = weight.Slice(((o * g.InChannels) + c) * k * k, k * k);
                    for (int kh = 0; kh < k; kh++)
                    {
                        (int ohStart, int ohEnd) = g.ValidRange(kh, g.Height, g.OutHeight);
                        for (int kw = 0; kw < k; kw++)
                        {
                            (int owStart, int owEnd) = g.ValidRange(kw, g.Width, g.OutWidth);
                            if (owStart < owEnd)
                            {
                                AccumulateTap(channel, plane, taps[(kh * k) + kw], kh, kw, ohStart, ohEnd, owStart, owEnd, g);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>plane[oh, ow] += w · channel[oh·s − p + kh, ow·s − p + kw] over the rows and columns that read real pixels.</summary>
    private static void AccumulateTap(
        ReadOnlySpan<float> channel, Span<float> plane, float w, int kh, int kw,
        int ohStart, int ohEnd, int owStart, int owEnd, in ConvGeometry g)
    {
        int count = owEnd - owStart;
        for (int oh = ohStart; oh < ohEnd; oh++)
        {
            int ih = (oh * g.Stride) - g.Padding + kh;
            int iw = (owStart * g.Stride) - g.Padding + kw;
            Span<float> outRow = plane.Slice((oh * g.OutWidth) + owStart, count);
            ReadOnlySpan<float> inRow = channel.Slice(ih * g.Width, g.Width);
            if (g.Stride == 1)
            {
                // Contiguous input columns: one fused multiply-add over the row, vectorized by TensorPrimitives.
                TensorPrimitives.MultiplyAdd(inRow.Slice(iw, count), w, outRow, outRow);
            }
            else
            {
                for (int i = 0; i < count; i++)
                {
                    outRow[i] += w * inRow[iw + (i * g.Stride)];
                }
            }
        }
    }
}
