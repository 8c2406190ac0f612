namespace LeNet.Tests.Reference;

/// <summary>
/// The oracle: each layer written from its mathematical definition as a plain loop nest over
/// multi-dimensional arrays, accumulating in double. Deliberately shares no code with the library.
/// </summary>
public static class NaiveLayers
{
    /// <summary>out[n,o,y,x] = b[o] + Σ_c Σ_i Σ_j w[o,c,i,j]·in[n,c,y·s−p+i, x·s−p+j], reading 0 outside the image.</summary>
    public static float[,,,] Conv2d(float[,,,] input, float[,,,] weight, float[]? bias, int stride, int padding)
    {
        int n = input.GetLength(0), c = input.GetLength(1), h = input.GetLength(2), w = input.GetLength(3);
        int o = weight.GetLength(0), k = weight.GetLength(2);
        int oh = ((h + (2 * padding) - k) / stride) + 1;
        int ow = ((w + (2 * padding) - k) / stride) + 1;
        var output = new float[n, o, oh, ow];
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        double sum = bias is null ? 0 : bias[f];
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < k; i++)
                            {
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = (y * stride) - padding + i;
                                    int ix = (x * stride) - padding + j;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        sum += (double)weight[f, ch, i, j] * input[b, ch, iy, ix];
                                    }
                                }
                            }
                        }

                        output[b, f, y, x] = (float)sum;
                    }
                }
            }
        }

        return output;
    }

    /// <summary>out[n,c,y,x] = mean over the k×k window at (y·s, x·s).</summary>
    public static float[,,,] AvgPool2d(float[,,,] input, int k, int stride)
    {
        int n = input.GetLength(0), c = input.GetLength(1), h = input.GetLength(2), w = input.GetLength(3);
        int oh = ((h - k) / stride) + 1, ow = ((w - k) / stride) + 1;
        var output = new float[n, c, oh, ow];
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        double sum = 0;
                        for (int i = 0; i < k; i++)
                        {
                            for (int j = 0; j < k; j++)
                            {
                                sum += input[b, ch, (y * stride) + i, (x * stride) + j];
                            }
                        }

                        output[b, ch, y, x] = (float)(sum / (k * k));
                    }
                }
            }
        }

        return output;
    }

    /// <summary>out[n,c,y,x] = max over the k×k window at (y·s, x·s).</summary>
    public static float[,,,] MaxPool2d(float[,,,] input, int k, int stride)
    {
        int n = input.GetLength(0), c = input.GetLength(1), h = input.GetLength(2), w = input.GetLength(3);
        int oh = ((h - k) / stride) + 1, ow = ((w - k) / stride) + 1;
        var output = new float[n, c, oh, ow];
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int y = 0; y < oh; y++)
                {
                    for (int x = 0; x < ow; x++)
                    {
                        float max = float.MinValue;
                        for (int i = 0; i < k; i++)
                        {
                            for (int j = 0; j < k; j++)
                            {
                                max = Math.Max(max, input[b, ch, (y * stride) + i, (x * stride) + j]);
                            }
                        }

                        output[b, ch, y, x] = max;
                    }
                }
            }
        }

        return output;
    }

    /// <summary>y[n,o] = b[o] + Σ_i x[n,i]·W[o,i].</summary>
    public static float[,] Linear(float[,] input, float[,] weight, float[]? bias)
    {
        int n = input.GetLength(0), inF = input.GetLength(1), outF = weight.GetLength(0);
        var output = new float[n, outF];
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = bias is null ? 0 : bias[o];
                for (int i = 0; i < inF; i++)
                {
                    sum += (double)input[b, i] * weight[o, i];
                }

                output[b, o] = (float)sum;
            }
        }

        return output;
    }

    /// <summary>σ(x) = 1 / (1 + e^−x), in double.</summary>
    public static float Sigmoid(float x) => (float)(1.0 / (1.0 + Math.Exp(-(double)x)));
}
