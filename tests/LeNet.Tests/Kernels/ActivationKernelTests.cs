using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// One sigmoid: the kernels' vector bodies, their scalar tails, the Sigmoid layer and GLU all compute the
/// same function, checked against the logistic function in double.
/// </summary>
public class ActivationKernelTests
{
    private static float[] Inputs()
    {
        var random = new Random(20261203);
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 87f, -87f, 88f, -88f, 100f, -100f, 1e4f, -1e4f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity };
        for (int i = 0; i < 20_000; i++)
        {
            values.Add((random.NextSingle() * 60f) - 30f);
        }

        // 16 + 20,000 values: not a multiple of any vector width, so every width also runs its scalar tail.
        return [.. values, 0.5f, -2.25f, 3f];
    }

    private static double Logistic(double x) => 1.0 / (1.0 + Math.Exp(-x));

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Sigmoid_EveryWidth_MatchesTheLogisticFunctionTo3E7Relative(int width)
    {
        float[] x = Inputs();
        var y = new float[x.Length];

        ActivationKernel.Apply<SigmoidActivation>(x, y, (SimdWidth)width);

        for (int i = 0; i < x.Length; i++)
        {
            double expected = Logistic(x[i]);
            // Below −87 the input is clamped (σ(−87) = 1.6e-38, where e^x would leave float's normal range):
            // the error there is under 2e-38 absolute.
            double tolerance = Math.Max(3e-7 * expected, 2e-38);
            Math.Abs(y[i] - expected).Should().BeLessThanOrEqualTo(tolerance, $"σ({x[i]:R}) at width {width}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Sigmoid_ScalarTailAndVectorBody_AreTheSameFunction(int width)
    {
        // Each value once in a vector lane (a whole-vector run) and once in the scalar tail (a run of one).
        float[] x = Inputs();
        var vector = new float[x.Length];
        ActivationKernel.Apply<SigmoidActivation>(x, vector, (SimdWidth)width);

        for (int i = 0; i < x.Length; i++)
        {
            float tail = ScalarOps.Sigmoid(x[i]);
            float body = vector[i];
            int ulps = Math.Abs(BitConverter.SingleToInt32Bits(tail) - BitConverter.SingleToInt32Bits(body));
            ulps.Should().BeLessThanOrEqualTo(1, $"σ({x[i]:R}): vector lane {body:R}, scalar {tail:R}");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Relu_EveryWidth_IsMaxOfZeroWithNaNKept(int width)
    {
        float[] x = [.. Inputs(), float.NaN, -0f, 0f, 1e-45f, -1e-45f];
        var y = new float[x.Length];

        ActivationKernel.Apply<ReluActivation>(x, y, (SimdWidth)width);

        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i]))
            {
                float.IsNaN(y[i]).Should().BeTrue("torch.relu keeps NaN");
            }
            else
            {
                y[i].Should().Be(x[i] > 0 ? x[i] : 0f, $"relu({x[i]:R}) at width {width}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Backward_EveryWidth_FollowsThresholdAndSigmoidBackward(int width)
    {
        var random = new Random(width);
        int n = 1003;
        float[] dy = [.. Enumerable.Range(0, n).Select(_ => (random.NextSingle() * 4f) - 2f)];
        float[] yRelu = [.. Enumerable.Range(0, n).Select(i => i % 5 == 0 ? 0f : (random.NextSingle() * 2f) - 1f)];
        float[] ySigmoid = [.. Enumerable.Range(0, n).Select(_ => random.NextSingle())];
        var dxRelu = new float[n];
        var dxSigmoid = new float[n];

        ActivationKernel.Backward<ReluActivation>(yRelu, dy, dxRelu, (SimdWidth)width);
        ActivationKernel.Backward<SigmoidActivation>(ySigmoid, dy, dxSigmoid, (SimdWidth)width);

        for (int i = 0; i < n; i++)
        {
            // threshold_backward: dy where y > 0 (0 at y = 0, as PyTorch); sigmoid_backward: dy · (1 − y) · y.
            dxRelu[i].Should().Be(yRelu[i] > 0 ? dy[i] : 0f);
            double expected = dy[i] * (1.0 - ySigmoid[i]) * ySigmoid[i];
            Math.Abs(dxSigmoid[i] - expected).Should().BeLessThanOrEqualTo(1e-6 * Math.Abs(expected) + 1e-12);
        }
    }

    [Fact]
    public void SigmoidLayer_UsesTheKernelsSigmoid()
    {
        float[] x = Inputs();
        var expected = new float[x.Length];
        ActivationKernel.Apply<SigmoidActivation>(x, expected, SimdSupport.Best);

        float[] actual = new LeNet.Layers.Sigmoid().Forward(Tensor.FromArray((float[])x.Clone(), x.Length)).ToArray();

        actual.Should().Equal(expected, "the layer and the fused kernels compute one function, bit for bit");
    }
}
