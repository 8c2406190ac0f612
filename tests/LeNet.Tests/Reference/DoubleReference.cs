namespace LeNet.Tests.Reference;

/// <summary>
/// Forward passes in double over flat row-major arrays, written from the formulas, for gradient checks
/// by central differences: the numerical derivative of these is the ground truth the layers' Backward
/// is compared with. Shares no code with the library.
/// </summary>
public static class DoubleReference
{
    public static double[] Conv2d(double[] x, int n, int c, int h, int w, double[] weight, double[]? bias, int o, int k, int stride, int padding)
    {
        int oh = ((h + (2 * padding) - k) / stride) + 1, ow = ((w + (2 * padding) - k) / stride) + 1;
        var y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int s = 0; s < ow; s++)
                    {
                        double sum = bias?[f] ?? 0;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < k; i++)
                            {
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = (r * stride) - padding + i, ix = (s * stride) - padding + j;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        sum += weight[(((f * c) + ch) * k * k) + (i * k) + j] * x[(((b * c) + ch) * h * w) + (iy * w) + ix];
                                    }
                                }
                            }
                        }

                        y[(((b * o) + f) * oh * ow) + (r * ow) + s] = sum;
                    }
                }
            }
        }

        return y;
    }

    public static double[] Pool2d(double[] x, int n, int c, int h, int w, int k, int stride, bool max)
    {
        int oh = ((h - k) / stride) + 1, ow = ((w - k) / stride) + 1;
        var y = new double[n * c * oh * ow];
        for (int p = 0; p < n * c; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int s = 0; s < ow; s++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            double v = x[(p * h * w) + (((r * stride) + i) * w) + (s * stride) + j];
                            acc = max ? Math.Max(acc, v) : acc + v;
                        }
                    }

                    y[(p * oh * ow) + (r * ow) + s] = max ? acc : acc / (k * k);
                }
            }
        }

        return y;
    }

    public static double[] Linear(double[] x, int rows, int inF, double[] weight, double[]? bias, int outF)
    {
        var y = new double[rows * outF];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outF; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int i = 0; i < inF; i++)
                {
                    sum += x[(r * inF) + i] * weight[(o * inF) + i];
                }

                y[(r * outF) + o] = sum;
            }
        }

        return y;
    }

    public static double[] Sigmoid(double[] x) => x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();

    public static double[] ReLU(double[] x) => x.Select(v => Math.Max(0, v)).ToArray();

    /// <summary>Mean over rows of −log softmax(z)[target], computed naively (fine in double for moderate logits).</summary>
    public static double CrossEntropy(double[] logits, int rows, int classes, int[] targets)
    {
        double total = 0;
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < classes; j++)
            {
                max = Math.Max(max, logits[(r * classes) + j]);
            }

            double sum = 0;
            for (int j = 0; j < classes; j++)
            {
                sum += Math.Exp(logits[(r * classes) + j] - max);
            }

            total += max + Math.Log(sum) - logits[(r * classes) + targets[r]];
        }

        return total / rows;
    }

    public static double[] ToDouble(this Tensor t) => t.ToArray().Select(v => (double)v).ToArray();

    /// <summary>
    /// Central differences: ∂f/∂values[i] ≈ (f(v + h·eᵢ) − f(v − h·eᵢ)) / 2h for every i (or the given
    /// indices), restoring each value after use.
    /// </summary>
    public static double[] NumericalGradient(double[] values, Func<double> f, double h = 1e-6, IEnumerable<int>? indices = null)
    {
        var gradient = new double[values.Length];
        foreach (int i in indices ?? Enumerable.Range(0, values.Length))
        {
            double saved = values[i];
            values[i] = saved + h;
            double plus = f();
            values[i] = saved - h;
            double minus = f();
            values[i] = saved;
            gradient[i] = (plus - minus) / (2 * h);
        }

        return gradient;
    }

    /// <summary>Σ rᵢ·yᵢ: a scalar whose gradient with respect to y is r.</summary>
    public static double Project(double[] y, double[] r)
    {
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i] * r[i];
        }

        return sum;
    }
}
