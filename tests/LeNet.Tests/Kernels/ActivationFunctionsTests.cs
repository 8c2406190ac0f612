using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The parameterized activations (LeakyReLU/PReLU, ELU/SELU, Softplus) at every width of the ladder against
/// their formulas in double, and each width's vector body against its scalar tail.
/// </summary>
public class ActivationFunctionsTests
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>Edge values, then a spread over [−30, 30]; 1,003 + 12 values, a multiple of no width, so each width runs its tail too.</summary>
    private static float[] Inputs()
    {
        var random = new Random(20261204);
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 19.9f, 20.1f, -87f, -100f, 50f, -50f };
        for (int i = 0; i < 1003; i++)
        {
            values.Add((random.NextSingle() * 60f) - 30f);
        }

        return [.. values];
    }

    private static float[] Gradients(int length)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2f) - 1f)];
    }

    private static double Softplus(double x, double beta, double threshold)
    {
        double z = beta * x, u = Math.Exp(-Math.Abs(z));
        double log1p = u < 1e-8 ? u - (u * u / 2) : Math.Log(1 + u);  // 1 + u rounds to 1 in double below ~1e-16
        return z > threshold ? x : (Math.Max(z, 0) + log1p) / beta;
    }

    private static void ShouldMatch(float[] actual, Func<int, double> expected, double relative, string what, double absolute = 1e-37)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected(i);
            Math.Abs(actual[i] - e).Should().BeLessThanOrEqualTo((relative * Math.Abs(e)) + absolute, $"{what} at element {i}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void LeakyRelu_EveryWidth_MatchesTheFormula(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        var y = new float[x.Length];
        var dx = new float[x.Length];

        ActivationFunctions.LeakyRelu(x, 0.2f, y, (SimdWidth)width);
        ActivationFunctions.LeakyReluBackward(x, 0.2f, dy, dx, (SimdWidth)width);

        ShouldMatch(y, i => x[i] > 0 ? x[i] : 0.2f * (double)x[i], 1e-7, "y");
        ShouldMatch(dx, i => x[i] > 0 ? dy[i] : 0.2f * (double)dy[i], 1e-7, "dx");
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void NegativePartDot_EveryWidth_SumsTheNonPositiveSide(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        double expected = 0;
        for (int i = 0; i < x.Length; i++)
        {
            expected += x[i] > 0 ? 0 : (double)x[i] * dy[i];
        }

        double sumOfMagnitudes = x.Zip(dy, (a, b) => Math.Abs((double)a * b)).Sum();
        ActivationFunctions.NegativePartDot(x, dy, (SimdWidth)width).Should().BeApproximately((float)expected, (float)(1e-6 * sumOfMagnitudes));
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EluAndSelu_EveryWidth_MatchTheFormula(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        foreach ((double alpha, double scale, string name) in new[] { (1.0, 1.0, "ELU"), (0.5, 1.0, "ELU(0.5)"), (SeluAlpha, SeluScale, "SELU") })
        {
            var y = new float[x.Length];
            var dx = new float[x.Length];

            ActivationFunctions.Elu(x, (float)alpha, (float)scale, y, (SimdWidth)width);
            ActivationFunctions.EluBackward(x, (float)alpha, (float)scale, dy, dx, (SimdWidth)width);

            // e^x − 1 loses relative precision near 0⁻ (float's e^x is 1 − tiny): there the error is a float ulp of 1.
            ShouldMatch(y, i => scale * (x[i] > 0 ? x[i] : alpha * (Math.Exp(x[i]) - 1)), 3e-7, $"{name} y", absolute: 1.2e-7 * alpha * scale);
            for (int i = 0; i < x.Length; i++)
            {
                // Never the wrong sign: ELU is ≤ 0 on the negative side, exactly 0 at ±0.
                (x[i] <= 0 ? y[i] <= 0 : y[i] > 0).Should().BeTrue($"{name}({x[i]:R}) = {y[i]:R}");
            }

            ShouldMatch(dx, i => scale * dy[i] * (x[i] > 0 ? 1 : alpha * Math.Exp(x[i])), 3e-7, $"{name} dx");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Softplus_EveryWidth_MatchesTheFormula(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        foreach ((float beta, float threshold) in new[] { (1f, 20f), (2f, 10f), (0.5f, 20f) })
        {
            var y = new float[x.Length];
            var dx = new float[x.Length];

            ActivationFunctions.Softplus(x, beta, threshold, y, (SimdWidth)width);
            ActivationFunctions.SoftplusBackward(x, beta, threshold, dy, dx, (SimdWidth)width);

            ShouldMatch(y, i => Softplus(x[i], beta, threshold), 1e-6, $"softplus(β={beta}) y");
            ShouldMatch(dx, i => beta * x[i] > threshold ? dy[i] : dy[i] / (1 + Math.Exp(-beta * (double)x[i])), 1e-6, $"softplus(β={beta}) dx");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EveryFunction_ScalarTailAndVectorBody_AreBitIdentical(int width)
    {
        // Each value once in a whole-vector run and once as a run of one (the scalar tail).
        float[] x = Inputs(), dy = Gradients(x.Length);
        (string Name, Action<ReadOnlySpan<float>, ReadOnlySpan<float>, Span<float>> Run)[] functions =
        [
            ("leaky", (a, g, o) => ActivationFunctions.LeakyRelu(a, 0.01f, o, (SimdWidth)width)),
            ("leaky'", (a, g, o) => ActivationFunctions.LeakyReluBackward(a, 0.01f, g, o, (SimdWidth)width)),
            ("selu", (a, g, o) => ActivationFunctions.Elu(a, (float)SeluAlpha, (float)SeluScale, o, (SimdWidth)width)),
            ("selu'", (a, g, o) => ActivationFunctions.EluBackward(a, (float)SeluAlpha, (float)SeluScale, g, o, (SimdWidth)width)),
            ("softplus", (a, g, o) => ActivationFunctions.Softplus(a, 1f, 20f, o, (SimdWidth)width)),
            ("softplus'", (a, g, o) => ActivationFunctions.SoftplusBackward(a, 1f, 20f, g, o, (SimdWidth)width)),
        ];
        int whole = x.Length / 16 * 16;
        foreach ((string name, var run) in functions)
        {
            var body = new float[whole];
            run(x.AsSpan(0, whole), dy.AsSpan(0, whole), body);
            var tail = new float[1];
            for (int i = 0; i < whole; i++)
            {
                run(x.AsSpan(i, 1), dy.AsSpan(i, 1), tail);
                tail[0].Should().Be(body[i], $"{name}({x[i]:R}) at width {width}");
            }
        }
    }
}
