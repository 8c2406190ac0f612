using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The part-C activations (ReLU6, Hardsigmoid, Hardswish, SiLU, GELU exact and tanh) and erf at every width of the
/// ladder against their formulas in double, and each width's vector body against its scalar tail.
/// </summary>
public class ActivationFunctionsCTests
{
    private delegate void Run(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> output);

    /// <summary>The kinks, edge values, then a spread over [−12, 12]; 1,003 + 19 values, a multiple of no width, so each width runs its tail too.</summary>
    private static float[] Inputs()
    {
        var random = new Random(20260101);
        var values = new List<float> { 0f, -0f, 3f, -3f, 6f, 2.9999998f, -2.9999998f, 3.0000002f, -3.0000002f, 1e-30f, -1e-30f, 0.9277344f, -0.9277343f, 40f, -40f, 95f, -95f, 1e-5f, -1e-5f };
        for (int i = 0; i < 1003; i++)
        {
            values.Add((random.NextSingle() * 24f) - 12f);
        }

        return [.. values];
    }

    private static float[] Gradients(int length)
    {
        var random = new Random(8);
        return [.. Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2f) - 1f)];
    }

    private static void ShouldMatch(float[] x, float[] actual, Func<int, double> expected, double relative, Func<int, double> absolute, string what)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            double e = expected(i);
            Math.Abs(actual[i] - e).Should().BeLessThanOrEqualTo((relative * Math.Abs(e)) + absolute(i), $"{what} at element {i} (x = {x[i]:R}, expected {e:R})");
        }
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void HardFunctions_EveryWidth_MatchTheFormulasAndPyTorchsKinks(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var w = (SimdWidth)width;

        ActivationFunctions.Relu6(x, y, w);
        ActivationFunctions.Relu6Backward(x, dy, dx, w);
        ShouldMatch(x, y, i => NaiveLayersC.Relu6(x[i]), 0, _ => 0, "relu6");
        ShouldMatch(x, dx, i => x[i] > 0 && x[i] < 6 ? dy[i] : 0, 0, _ => 0, "relu6'");

        ActivationFunctions.Hardsigmoid(x, y, w);
        ActivationFunctions.HardsigmoidBackward(x, dy, dx, w);
        ShouldMatch(x, y, i => NaiveLayersC.Hardsigmoid(x[i]), 1.2e-7, _ => 0, "hardsigmoid");
        ShouldMatch(x, dx, i => x[i] > -3 && x[i] < 3 ? dy[i] / 6.0 : 0, 1.2e-7, _ => 0, "hardsigmoid'");

        ActivationFunctions.Hardswish(x, y, w);
        ActivationFunctions.HardswishBackward(x, dy, dx, w);
        ShouldMatch(x, y, i => NaiveLayersC.Hardswish(x[i]), 2.4e-7, _ => 0, "hardswish");
        ShouldMatch(x, dx, i => x[i] < -3 ? 0 : x[i] < 3 ? dy[i] * ((x[i] / 3.0) + 0.5) : dy[i], 2.4e-7, _ => 1e-7, "hardswish'");
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void SmoothFunctions_EveryWidth_MatchTheFormulasInDouble(int width)
    {
        float[] x = Inputs(), dy = Gradients(x.Length);
        var y = new float[x.Length];
        var dx = new float[x.Length];
        var w = (SimdWidth)width;

        ActivationFunctions.Silu(x, y, w);
        ActivationFunctions.SiluBackward(x, dy, dx, w);
        // Below −87 the kernels' sigmoid stops at e^−87 (1.6e-38), so SiLU(−95) is −1.6e-36 instead of −5e-40.
        ShouldMatch(x, y, i => NaiveLayersC.Silu(x[i]), 4e-7, _ => 2e-36, "silu");
        ShouldMatch(x, dx, i => dy[i] * Sigmoid(x[i]) * (1 + (x[i] * (1 - Sigmoid(x[i])))), 1e-6, _ => 2e-7, "silu'");

        // GELU: the erf's 1.1e-7 absolute error, times |x|/2.
        ActivationFunctions.Gelu(x, y, w);
        ActivationFunctions.GeluBackward(x, dy, dx, w);
        ShouldMatch(x, y, i => NaiveLayersC.Gelu(x[i]), 3e-7, i => 1e-7 * Math.Abs(x[i]), "gelu");
        double Density(double v) => Math.Exp(-v * v / 2) / Math.Sqrt(2 * Math.PI);
        ShouldMatch(x, dx, i => dy[i] * (((1 + NaiveLayersC.Erf(x[i] / Math.Sqrt(2))) / 2) + (x[i] * Density(x[i]))), 1e-6, _ => 2e-7, "gelu'");

        // The kernels' tanh is within 1.6e-7 absolute.
        ActivationFunctions.GeluTanh(x, y, w);
        ActivationFunctions.GeluTanhBackward(x, dy, dx, w);
        ShouldMatch(x, y, i => NaiveLayersC.GeluTanh(x[i]), 3e-7, i => 2e-7 * Math.Abs(x[i]), "gelu tanh");
        double TanhDerivative(double v)
        {
            double inner = Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v));
            double t = Math.Tanh(inner);
            return (0.5 * (1 + t)) + (0.5 * v * (1 - (t * t)) * Math.Sqrt(2 / Math.PI) * (1 + (3 * 0.044715 * v * v)));
        }

        ShouldMatch(x, dx, i => dy[i] * TanhDerivative(x[i]), 1e-6, _ => 3e-7, "gelu tanh'");
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Erf_EveryWidth_IsWithinTwoUlpOfTheSeries(int width)
    {
        // A fine grid over [−6, 6], both pieces and their boundary at 0.9277, and the saturated tails.
        float[] x = [.. Enumerable.Range(-60000, 120001).Select(i => i / 10000f), 10f, -10f, 1e30f, -1e30f, float.PositiveInfinity, float.NegativeInfinity];
        var y = new float[x.Length];

        ActivationFunctions.Erf(x, y, (SimdWidth)width);

        ShouldMatch(x, y, i => NaiveLayersC.Erf(x[i]), 0, _ => 1.1e-7, "erf");
        ActivationFunctions.Erf([float.NaN], y.AsSpan(0, 1), (SimdWidth)width);
        y[0].Should().Be(float.NaN);
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EveryFunction_ScalarTailAndVectorBody_AreBitIdentical(int width)
    {
        // Each value once in a whole-vector run and once as a run of one (the scalar tail).
        float[] x = Inputs(), dy = Gradients(x.Length);
        var w = (SimdWidth)width;
        (string Name, Run Run)[] functions =
        [
            ("relu6", (a, g, o) => ActivationFunctions.Relu6(a, o, w)),
            ("relu6'", (a, g, o) => ActivationFunctions.Relu6Backward(a, g, o, w)),
            ("hardsigmoid", (a, g, o) => ActivationFunctions.Hardsigmoid(a, o, w)),
            ("hardsigmoid'", (a, g, o) => ActivationFunctions.HardsigmoidBackward(a, g, o, w)),
            ("hardswish", (a, g, o) => ActivationFunctions.Hardswish(a, o, w)),
            ("hardswish'", (a, g, o) => ActivationFunctions.HardswishBackward(a, g, o, w)),
            ("silu", (a, g, o) => ActivationFunctions.Silu(a, o, w)),
            ("silu'", (a, g, o) => ActivationFunctions.SiluBackward(a, g, o, w)),
            ("gelu", (a, g, o) => ActivationFunctions.Gelu(a, o, w)),
            ("gelu'", (a, g, o) => ActivationFunctions.GeluBackward(a, g, o, w)),
            ("gelu tanh", (a, g, o) => ActivationFunctions.GeluTanh(a, o, w)),
            ("gelu tanh'", (a, g, o) => ActivationFunctions.GeluTanhBackward(a, g, o, w)),
        ];
        int whole = x.Length / 16 * 16;
        foreach ((string name, Run run) in functions)
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
