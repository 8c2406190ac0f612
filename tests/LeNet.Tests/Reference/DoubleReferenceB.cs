namespace LeNet.Tests.Reference;

/// <summary>
/// Naive double-precision forwards of the general convolution, transposed convolution, pooling options,
/// adaptive pooling and batch normalization, written from PyTorch's documented formulas over flat
/// row-major arrays: the oracle for the kernels and, through central differences, for the backward passes.
/// Shares no code with the library.
/// </summary>
public static class DoubleReferenceB
{
    /// <summary>Conv2d: y[b,f,r,s] = bias[f] + Σ_{c in group} Σ_i Σ_j w[f,c,i,j] · x[b, g·C/G + c, r·sh − ph + i·dh, s·sw − pw + j·dw].</summary>
    public static double[] Conv2d(double[] x, int[] xs, double[] w, double[]? bias, int o, (int H, int W) k, (int H, int W) stride, (int H, int W) pad, (int H, int W) dil, int groups, out int[] ys)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        int oh = ((h + (2 * pad.H) - (dil.H * (k.H - 1)) - 1) / stride.H) + 1;
        int ow = ((wd + (2 * pad.W) - (dil.W * (k.W - 1)) - 1) / stride.W) + 1;
        int cg = c / groups, og = o / groups;
        ys = [n, o, oh, ow];
        var y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                int g = f / og;
                for (int r = 0; r < oh; r++)
                {
                    for (int s = 0; s < ow; s++)
                    {
                        double sum = bias?[f] ?? 0;
                        for (int ch = 0; ch < cg; ch++)
                        {
                            for (int i = 0; i < k.H; i++)
                            {
                                for (int j = 0; j < k.W; j++)
                                {
                                    int iy = (r * stride.H) - pad.H + (i * dil.H), ix = (s * stride.W) - pad.W + (j * dil.W);
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                                    {
                                        sum += w[(((((f * cg) + ch) * k.H) + i) * k.W) + j] * x[(((((b * c) + (g * cg) + ch) * h) + iy) * wd) + ix];
                                    }
                                }
                            }
                        }

                        y[(((((b * o) + f) * oh) + r) * ow) + s] = sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// ConvTranspose2d as the scatter PyTorch documents: each input pixel x[b, c, r, s] adds
    /// x · w[c, f, i, j] to y[b, g·O/G + f, r·sh − ph + i·dh, s·sw − pw + j·dw] (where that lies in the output),
    /// output size (H − 1)·s − 2p + d·(k − 1) + outputPadding + 1.
    /// </summary>
    public static double[] ConvTranspose2d(double[] x, int[] xs, double[] w, double[]? bias, int o, (int H, int W) k, (int H, int W) stride, (int H, int W) pad, (int H, int W) outPad, (int H, int W) dil, int groups, out int[] ys)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3];
        int oh = ((h - 1) * stride.H) - (2 * pad.H) + (dil.H * (k.H - 1)) + outPad.H + 1;
        int ow = ((wd - 1) * stride.W) - (2 * pad.W) + (dil.W * (k.W - 1)) + outPad.W + 1;
        int cg = c / groups, og = o / groups;
        ys = [n, o, oh, ow];
        var y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int p = 0; p < oh * ow; p++)
                {
                    y[(((b * o) + f) * oh * ow) + p] = bias?[f] ?? 0;
                }
            }

            for (int ch = 0; ch < c; ch++)
            {
                int g = ch / cg;
                for (int r = 0; r < h; r++)
                {
                    for (int s = 0; s < wd; s++)
                    {
                        double v = x[(((((b * c) + ch) * h) + r) * wd) + s];
                        for (int f = 0; f < og; f++)
                        {
                            for (int i = 0; i < k.H; i++)
                            {
                                for (int j = 0; j < k.W; j++)
                                {
                                    int yy = (r * stride.H) - pad.H + (i * dil.H), yx = (s * stride.W) - pad.W + (j * dil.W);
                                    if (yy >= 0 && yy < oh && yx >= 0 && yx < ow)
                                    {
                                        y[(((((b * o) + (g * og) + f) * oh) + yy) * ow) + yx] += v * w[(((((ch * og) + f) * k.H) + i) * k.W) + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// PyTorch's pooling output size: ⌊(in + 2p − d(k−1) − 1)/s⌋ + 1 (or ⌈·⌉ in ceil mode, dropping a last
    /// window that would start at or beyond in + p, i.e. entirely in the right padding).
    /// </summary>
    public static int PoolSize(int size, int k, int s, int p, int d, bool ceil)
    {
        double exact = (double)(size + (2 * p) - (d * (k - 1)) - 1) / s;
        int o = (int)(ceil ? Math.Ceiling(exact) : Math.Floor(exact)) + 1;
        if (ceil && (o - 1) * s >= size + p)
        {
            o--;
        }

        return o;
    }

    /// <summary>
    /// MaxPool2d (padding is −∞) or AvgPool2d (divisor: the window clipped to the padded input with
    /// countIncludePad, else the window clipped to the input itself).
    /// </summary>
    public static double[] Pool2d(double[] x, int[] xs, int k, int s, int p, int d, bool ceil, bool max, bool countIncludePad, out int[] ys)
    {
        int n = xs[0], c = xs[1], h = xs[2], w = xs[3];
        int oh = PoolSize(h, k, s, p, d, ceil), ow = PoolSize(w, k, s, p, d, ceil);
        ys = [n, c, oh, ow];
        var y = new double[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int q = 0; q < ow; q++)
                {
                    double acc = max ? double.NegativeInfinity : 0;
                    int inside = 0, inPadded = 0;
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            int iy = (r * s) - p + (i * d), ix = (q * s) - p + (j * d);
                            if (iy < h + p && ix < w + p)
                            {
                                inPadded++;
                            }

                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                            {
                                inside++;
                                double v = x[(plane * h * w) + (iy * w) + ix];
                                acc = max ? Math.Max(acc, v) : acc + v;
                            }
                        }
                    }

                    y[(((plane * oh) + r) * ow) + q] = max ? acc : acc / (countIncludePad ? inPadded : inside);
                }
            }
        }

        return y;
    }

    /// <summary>AdaptiveAvgPool2d: output cell (i, j) averages rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and likewise columns.</summary>
    public static double[] AdaptiveAvgPool2d(double[] x, int[] xs, int oh, int ow)
    {
        int n = xs[0], c = xs[1], h = xs[2], w = xs[3];
        var y = new double[n * c * oh * ow];
        for (int plane = 0; plane < n * c; plane++)
        {
            for (int i = 0; i < oh; i++)
            {
                int y0 = i * h / oh, y1 = (((i + 1) * h) + oh - 1) / oh;
                for (int j = 0; j < ow; j++)
                {
                    int x0 = j * w / ow, x1 = (((j + 1) * w) + ow - 1) / ow;
                    double sum = 0;
                    for (int a = y0; a < y1; a++)
                    {
                        for (int b = x0; b < x1; b++)
                        {
                            sum += x[(plane * h * w) + (a * w) + b];
                        }
                    }

                    y[(((plane * oh) + i) * ow) + j] = sum / ((y1 - y0) * (x1 - x0));
                }
            }
        }

        return y;
    }

    /// <summary>Training-mode batch norm over [N, C, L]: per channel, batch mean and biased variance, y = (x − mean)/√(var + eps)·γ + β.</summary>
    public static double[] BatchNorm(double[] x, int n, int c, int l, double[]? gamma, double[]? beta, double eps)
    {
        var y = new double[x.Length];
        for (int ch = 0; ch < c; ch++)
        {
            double mean = 0, variance = 0;
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < l; t++)
                {
                    mean += x[(((b * c) + ch) * l) + t];
                }
            }

            mean /= n * l;
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < l; t++)
                {
                    variance += Math.Pow(x[(((b * c) + ch) * l) + t] - mean, 2);
                }
            }

            variance /= n * l;
            for (int b = 0; b < n; b++)
            {
                for (int t = 0; t < l; t++)
                {
                    int index = (((b * c) + ch) * l) + t;
                    y[index] = ((x[index] - mean) / Math.Sqrt(variance + eps) * (gamma?[ch] ?? 1)) + (beta?[ch] ?? 0);
                }
            }
        }

        return y;
    }
}
