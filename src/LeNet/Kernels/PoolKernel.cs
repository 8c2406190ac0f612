namespace LeNet.Kernels;

/// <summary>Pooling over NCHW spans without padding: input [N,C,H,W] → output [N,C,OH,OW]; the geometry's InChannels is C (= OutChannels).</summary>
internal static class PoolKernel
{
    /// <summary>output[p, y, x] = mean of the K×K window at (y·stride, x·stride) of plane p.</summary>
    public static void AverageForward(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry g)
    {
        g.AssertSpans(input.Length, -1, output.Length);
        int k = g.Kernel;
        float scale = 1f / (k * k);
        int planes = g.Batch * g.InChannels;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> inPlane = input.Slice(p * g.InPlane, g.InPlane);
            Span<float> outPlane = output.Slice(p * g.OutPlane, g.OutPlane);
            for (int y = 0; y < g.OutHeight; y++)
            {
                for (int x = 0; x < g.OutWidth; x++)
                {
                    float sum = 0f;
                    for (int i = 0; i < k; i++)
                    {
                        ReadOnlySpan<float> row = inPlane.Slice((((y * g.Stride) + i) * g.Width) + (x * g.Stride), k);
                        for (int j = 0; j < k; j++)
                        {
                            sum += row[j];
                        }
                    }

                    outPlane[(y * g.OutWidth) + x] = sum * scale;
                }
            }
        }
    }

    /// <summary>output[p, y, x] = max of the K×K window at (y·stride, x·stride) of plane p (NaN propagates, as in PyTorch).</summary>
    public static void MaxForward(ReadOnlySpan<float> input, Span<float> output, in ConvGeometry g)
    {
        g.AssertSpans(input.Length, -1, output.Length);
        int k = g.Kernel;
        int planes = g.Batch * g.InChannels;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> inPlane = input.Slice(p * g.InPlane, g.InPlane);
            Span<float> outPlane = output.Slice(p * g.OutPlane, g.OutPlane);
            for (int y = 0; y < g.OutHeight; y++)
            {
                for (int x = 0; x < g.OutWidth; x++)
                {
                    outPlane[(y * g.OutWidth) + x] = WindowMax(inPlane, (y * g.Stride * g.Width) + (x * g.Stride), g.Width, k);
                }
            }
        }
    }

    private static float WindowMax(ReadOnlySpan<float> plane, int origin, int width, int k)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < k; i++)
        {
            foreach (float v in plane.Slice(origin + (i * width), k))
            {
                if (float.IsNaN(v))
                {
                    return v;
                }

                max = Math.Max(max, v);
            }
        }

        return max;
    }
}
