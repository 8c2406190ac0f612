namespace LeNet.Tests.Reference;

/// <summary>
/// Naive double-precision oracles of the part-A layers, written from their formulas with explicit index loops
/// (no code shared with the library): the truth for forward checks and for central differences.
/// </summary>
public static class NaiveLayersA
{
    public static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    public static double LeakyRelu(double x, double slope) => x > 0 ? x : slope * x;

    public static double Elu(double x, double alpha) => x > 0 ? x : alpha * (Math.Exp(x) - 1);

    public static double Selu(double x) => 1.0507009873554804934193349852946 * Elu(x, 1.6732632423543772848170429916717);

    public static double Softplus(double x, double beta, double threshold) => beta * x > threshold ? x : Math.Log(1 + Math.Exp(beta * x)) / beta;

    public static double Softsign(double x) => x / (1 + Math.Abs(x));

    /// <summary>Row-major offset of a multi-index.</summary>
    private static int Offset(int[] shape, int[] index)
    {
        int offset = 0;
        for (int i = 0; i < shape.Length; i++)
        {
            offset = (offset * shape[i]) + index[i];
        }

        return offset;
    }

    /// <summary>Every multi-index of a shape, in row-major order.</summary>
    private static IEnumerable<int[]> Indices(int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        for (int flat = 0; flat < count; flat++)
        {
            var index = new int[shape.Length];
            int rest = flat;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }

            yield return index;
        }
    }

    /// <summary>PReLU: slope w[c] with c the index along dimension 1 (or w[0] for all when w has one element).</summary>
    public static double[] PRelu(double[] x, int[] shape, double[] w)
    {
        var y = new double[x.Length];
        foreach (int[] index in Indices(shape))
        {
            int i = Offset(shape, index);
            double slope = w.Length == 1 ? w[0] : w[index[1]];
            y[i] = x[i] > 0 ? x[i] : slope * x[i];
        }

        return y;
    }

    /// <summary>y = a·σ(b), a and b the halves along dim.</summary>
    public static double[] Glu(double[] x, int[] shape, int dim)
    {
        dim = dim < 0 ? dim + shape.Length : dim;
        int[] outShape = (int[])shape.Clone();
        outShape[dim] /= 2;
        var y = new double[x.Length / 2];
        foreach (int[] index in Indices(outShape))
        {
            int[] second = (int[])index.Clone();
            second[dim] += outShape[dim];
            double a = x[Offset(shape, index)], b = x[Offset(shape, second)];
            y[Offset(outShape, index)] = a / (1 + Math.Exp(-b));
        }

        return y;
    }

    /// <summary>softmax, log-softmax (log) or softmin (negate) along dim: eˣ / Σ eˣ over the positions that differ only in dim.</summary>
    public static double[] Softmax(double[] x, int[] shape, int dim, bool log = false, bool negate = false)
    {
        dim = dim < 0 ? dim + shape.Length : dim;
        var y = new double[x.Length];
        foreach (int[] index in Indices(shape))
        {
            double Value(int k)
            {
                int[] other = (int[])index.Clone();
                other[dim] = k;
                return negate ? -x[Offset(shape, other)] : x[Offset(shape, other)];
            }

            double max = double.NegativeInfinity;
            for (int k = 0; k < shape[dim]; k++)
            {
                max = Math.Max(max, Value(k));
            }

            double sum = 0;
            for (int k = 0; k < shape[dim]; k++)
            {
                sum += Math.Exp(Value(k) - max);
            }

            double own = Value(index[dim]) - max;
            y[Offset(shape, index)] = log ? own - Math.Log(sum) : Math.Exp(own) / sum;
        }

        return y;
    }

    /// <summary>Pads the last two dimensions; mode "constant", "reflect" or "replicate".</summary>
    public static double[] Pad(double[] x, int[] shape, (int Left, int Right, int Top, int Bottom) pad, string mode, double value = 0)
    {
        int h = shape[^2], w = shape[^1];
        int[] outShape = (int[])shape.Clone();
        outShape[^2] = h + pad.Top + pad.Bottom;
        outShape[^1] = w + pad.Left + pad.Right;
        var y = new double[outShape.Aggregate(1, (a, b) => a * b)];
        foreach (int[] index in Indices(outShape))
        {
            int i = index[^2] - pad.Top, j = index[^1] - pad.Left;
            bool inside = i >= 0 && i < h && j >= 0 && j < w;
            if (mode == "constant" && !inside)
            {
                y[Offset(outShape, index)] = value;
                continue;
            }

            if (mode == "reflect")
            {
                i = i < 0 ? -i : i >= h ? (2 * h) - 2 - i : i;
                j = j < 0 ? -j : j >= w ? (2 * w) - 2 - j : j;
            }
            else if (mode == "replicate")
            {
                i = Math.Min(Math.Max(i, 0), h - 1);
                j = Math.Min(Math.Max(j, 0), w - 1);
            }

            int[] source = (int[])index.Clone();
            (source[^2], source[^1]) = (i, j);
            y[Offset(outShape, index)] = x[Offset(shape, source)];
        }

        return y;
    }

    /// <summary>out[n, c, h·r + i, w·r + j] = in[n, c·r² + i·r + j, h, w] for an [N, C·r², H, W] input.</summary>
    public static double[] PixelShuffle(double[] x, int[] shape, int r)
    {
        int n = shape[0], c = shape[1] / (r * r), h = shape[2], w = shape[3];
        int[] outShape = [n, c, h * r, w * r];
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int oh = 0; oh < h * r; oh++)
                {
                    for (int ow = 0; ow < w * r; ow++)
                    {
                        int inChannel = (ch * r * r) + ((oh % r) * r) + (ow % r);
                        y[Offset(outShape, [b, ch, oh, ow])] = x[Offset(shape, [b, inChannel, oh / r, ow / r])];
                    }
                }
            }
        }

        return y;
    }
}
