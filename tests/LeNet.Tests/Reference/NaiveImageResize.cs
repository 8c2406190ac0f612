namespace LeNet.Tests.Reference;

/// <summary>
/// The antialiased bilinear resize written from its formula, in double precision, as the oracle for
/// <c>ClassifierPreprocessor.Resize</c>: output pixel (x, y) is Σᵢ Σⱼ wy(i) · wx(j) · in(i, j), where along an axis
/// of scale s = in / out the output index o has centre c = (o + ½)·s, the filter is the triangle
/// t(d) = max(0, 1 − |d|) stretched by f = max(s, 1) (so shrinking averages every pixel under it), and
/// w(j) = t((j + ½ − c) / f) normalized to sum 1 over the source pixels. No fixed point, no intermediate rounding;
/// the result is rounded half up once.
/// </summary>
public static class NaiveImageResize
{
    public static byte[] Resize(byte[] pixels, int width, int height, int channels, int newWidth, int newHeight)
    {
        double[][] wx = Weights(width, newWidth), wy = Weights(height, newHeight);
        var output = new byte[newWidth * newHeight * channels];
        for (int y = 0; y < newHeight; y++)
        {
            for (int x = 0; x < newWidth; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < height; i++)
                    {
                        for (int j = 0; j < width; j++)
                        {
                            sum += wy[y][i] * wx[x][j] * pixels[(((i * width) + j) * channels) + c];
                        }
                    }

                    output[(((y * newWidth) + x) * channels) + c] = (byte)Math.Clamp(Math.Floor(sum + 0.5), 0, 255);
                }
            }
        }

        return output;
    }

    /// <summary>For each output index, a weight for every source index (zero outside the filter), summing to 1.</summary>
    private static double[][] Weights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, stretch = Math.Max(scale, 1);
        var result = new double[outSize][];
        for (int o = 0; o < outSize; o++)
        {
            double centre = (o + 0.5) * scale;
            double[] w = [.. Enumerable.Range(0, inSize).Select(j => Math.Max(0, 1 - Math.Abs((j + 0.5 - centre) / stretch)))];
            double total = w.Sum();
            result[o] = [.. w.Select(v => v / total)];
        }

        return result;
    }
}
