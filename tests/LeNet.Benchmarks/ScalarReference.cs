namespace LeNet.Benchmarks;

/// <summary>
/// The naive scalar baseline: each layer as the plain loop nest of its formula over flat NCHW arrays,
/// single-threaded, no SIMD, no blocking (what a first C# port of the PyTorch model looks like).
/// </summary>
public static class ScalarReference
{
    public static void Conv2d(float[] input, int n, int c, int h, int w, float[] weight, float[] bias, int o, int k, int padding, float[] output)
    {
        int oh = h + (2 * padding) - k + 1, ow = w + (2 * padding) - k + 1;
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        float sum = bias[f];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < k; i++)
                            {
                                int iy = y - padding + i;
                                if (iy < 0 || iy >= h)
                                {
                                    continue;
                                }

                                for (int j = 0; j < k; j++)
                                {
                                    int ix = x - padding + j;
                                    if (ix >= 0 && ix < w)
                                    {
                                        sum += weight[(((f * c) + ch) * k * k) + (i * k) + j] * input[(((b * c) + ch) * h * w) + (iy * w) + ix];
                                    }
                                }
                            }
                        }

                        output[(((b * o) + f) * oh * ow) + (y * ow) + x] = sum;
                    }
                }
            }
        }
    }

    /// <summary>2×2, stride-2 average pooling of <paramref name="planes"/> planes.</summary>
    public static void AvgPool2x2(float[] input, int planes, int h, int w, float[] output)
    {
        int oh = h / 2, ow = w / 2;
        for (int p = 0; p < planes; p++)
        {
            for (int y = 0; y < oh; y++)
            {
                for (int x = 0; x < ow; x++)
                {
                    int i = (p * h * w) + (2 * y * w) + (2 * x);
                    output[(p * oh * ow) + (y * ow) + x] = (input[i] + input[i + 1] + input[i + w] + input[i + w + 1]) * 0.25f;
                }
            }
        }
    }

    public static void Linear(float[] input, int n, int inFeatures, float[] weight, float[] bias, int outFeatures, float[] output)
    {
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                float sum = bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += input[(b * inFeatures) + i] * weight[(o * inFeatures) + i];
                }

                output[(b * outFeatures) + o] = sum;
            }
        }
    }

    public static void Sigmoid(float[] values, int count)
    {
        for (int i = 0; i < count; i++)
        {
            values[i] = 1f / (1f + MathF.Exp(-values[i]));
        }
    }
}
