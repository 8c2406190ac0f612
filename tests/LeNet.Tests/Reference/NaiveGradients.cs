namespace LeNet.Tests.Reference;

/// <summary>
/// Backward passes in double over flat row-major arrays, each the chain rule applied to its forward
/// formula (quoted above each method) by plain loops over every output element. Shares no code with the library.
/// </summary>
public static class NaiveGradients
{
    /// <summary>
    /// Forward: y[n,o,r,s] = b[o] + Σ_{c,i,j} w[o,c,i,j] · x[n,c,r·st − p + i, s·st − p + j] (0 outside the image).
    /// Returns dX [N,C,H,W], dW [O,C,K,K], db [O] for the output gradient dY [N,O,OH,OW].
    /// </summary>
    public static (double[] InGrad, double[] WeightGrad, double[] BiasGrad) Conv2d(
        double[] x, int n, int c, int h, int w, double[] weight, int o, int k, int stride, int padding, double[] dy)
    {
        int oh = ((h + (2 * padding) - k) / stride) + 1, ow = ((w + (2 * padding) - k) / stride) + 1;
        var dx = new double[n * c * h * w];
        var dw = new double[o * c * k * k];
        var db = new double[o];
        for (int b = 0; b < n; b++)
        {
            for (int f = 0; f < o; f++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int s = 0; s < ow; s++)
                    {
                        double g = dy[(((b * o) + f) * oh * ow) + (r * ow) + s];
                        db[f] += g;
                        for (int ch = 0; ch < c; ch++)
                        {
                            for (int i = 0; i < k; i++)
                            {
                                for (int j = 0; j < k; j++)
                                {
                                    int iy = (r * stride) - padding + i, ix = (s * stride) - padding + j;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        int xi = (((b * c) + ch) * h * w) + (iy * w) + ix;
                                        int wi = (((f * c) + ch) * k * k) + (i * k) + j;
                                        dw[wi] += g * x[xi];
                                        dx[xi] += g * weight[wi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }

        return (dx, dw, db);
    }

    /// <summary>
    /// Forward: y[r,o] = b[o] + Σ_i x[r,i] · W[o,i]. Returns dX [R,In], dW [Out,In], db [Out] for dY [R,Out].
    /// </summary>
    public static (double[] InGrad, double[] WeightGrad, double[] BiasGrad) Linear(double[] x, int rows, int inF, double[] weight, int outF, double[] dy)
    {
        var dx = new double[rows * inF];
        var dw = new double[outF * inF];
        var db = new double[outF];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outF; o++)
            {
                double g = dy[(r * outF) + o];
                db[o] += g;
                for (int i = 0; i < inF; i++)
                {
                    dx[(r * inF) + i] += g * weight[(o * inF) + i];
                    dw[(o * inF) + i] += g * x[(r * inF) + i];
                }
            }
        }

        return (dx, dw, db);
    }

    /// <summary>
    /// Forward: y[p,r,s] = (1/K²) Σ_{i,j} x[p, r·st + i, s·st + j] over the planes p (no padding).
    /// Returns dX [P,H,W] for dY [P,OH,OW]: every input of a window gets dY/K², overlapping windows add.
    /// </summary>
    public static double[] AvgPool2d(int planes, int h, int w, int k, int stride, double[] dy)
    {
        int oh = ((h - k) / stride) + 1, ow = ((w - k) / stride) + 1;
        var dx = new double[planes * h * w];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int s = 0; s < ow; s++)
                {
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            dx[(p * h * w) + (((r * stride) + i) * w) + (s * stride) + j] += dy[(p * oh * ow) + (r * ow) + s] / (k * k);
                        }
                    }
                }
            }
        }

        return dx;
    }

    /// <summary>
    /// Forward: y[p,r,s] = max of the K×K window at (r·st, s·st). Returns dX [P,H,W] for dY [P,OH,OW]: each
    /// window's gradient goes to its argmax, PyTorch's CPU rule: the first maximum in row-major order, or the
    /// first NaN.
    /// </summary>
    public static double[] MaxPool2d(double[] x, int planes, int h, int w, int k, int stride, double[] dy)
    {
        int oh = ((h - k) / stride) + 1, ow = ((w - k) / stride) + 1;
        var dx = new double[planes * h * w];
        for (int p = 0; p < planes; p++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int s = 0; s < ow; s++)
                {
                    int best = -1;
                    for (int i = 0; i < k && (best < 0 || !double.IsNaN(x[best])); i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            int at = (p * h * w) + (((r * stride) + i) * w) + (s * stride) + j;
                            if (best < 0 || double.IsNaN(x[at]) || x[at] > x[best])
                            {
                                best = at;
                                if (double.IsNaN(x[at]))
                                {
                                    break;
                                }
                            }
                        }
                    }

                    dx[best] += dy[(p * oh * ow) + (r * ow) + s];
                }
            }
        }

        return dx;
    }
}
