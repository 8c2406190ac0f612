namespace LeNet.Tests.Reference;

/// <summary>
/// Naive double-precision oracles of the part-C layers (ReLU6, Hardsigmoid, Hardswish, SiLU, GELU, LayerNorm), written
/// from their formulas with plain loops (no code shared with the library): the truth for forward checks and for
/// central differences.
/// </summary>
public static class NaiveLayersC
{
    public static double Relu6(double x) => Math.Min(Math.Max(x, 0), 6);

    public static double Hardsigmoid(double x) => Math.Min(Math.Max(x + 3, 0), 6) / 6;

    public static double Hardswish(double x) => x * Math.Min(Math.Max(x + 3, 0), 6) / 6;

    public static double Silu(double x) => x / (1 + Math.Exp(-x));

    /// <summary>x · Φ(x) = x · (1 + erf(x / √2)) / 2.</summary>
    public static double Gelu(double x) => x * (1 + Erf(x / Math.Sqrt(2))) / 2;

    /// <summary>0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))).</summary>
    public static double GeluTanh(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + (0.044715 * x * x * x))));

    /// <summary>
    /// erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·5···(2n+1)): every term positive, so no cancellation, to about 1e-16
    /// relative; ±1 beyond |x| = 6 (erfc(6) ≈ 2e-17).
    /// </summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) >= 6)
        {
            return Math.Sign(x);
        }

        double term = x, sum = x;
        for (int n = 1; n < 500 && Math.Abs(term) > 1e-18 * Math.Abs(sum); n++)
        {
            term *= 2 * x * x / ((2 * n) + 1);
            sum += term;
        }

        return 2 / Math.Sqrt(Math.PI) * Math.Exp(-x * x) * sum;
    }

    /// <summary>
    /// Layer norm of x viewed as [rows, size]: per row, y = (x − mean) / √(var + eps) · w + b with the biased variance
    /// (w, b null: 1 and 0), mean and variance by two passes.
    /// </summary>
    public static double[] LayerNorm(double[] x, int size, double[]? w, double[]? b, double eps)
    {
        var y = new double[x.Length];
        for (int row = 0; row < x.Length / size; row++)
        {
            double mean = 0;
            for (int i = 0; i < size; i++)
            {
                mean += x[(row * size) + i];
            }

            mean /= size;
            double variance = 0;
            for (int i = 0; i < size; i++)
            {
                double d = x[(row * size) + i] - mean;
                variance += d * d;
            }

            variance /= size;
            for (int i = 0; i < size; i++)
            {
                double normalized = (x[(row * size) + i] - mean) / Math.Sqrt(variance + eps);
                y[(row * size) + i] = (normalized * (w is null ? 1 : w[i])) + (b is null ? 0 : b[i]);
            }
        }

        return y;
    }
}
