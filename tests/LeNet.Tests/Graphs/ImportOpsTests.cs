using LeNet.Graphs;
using LeNet.Graphs.Ops;

namespace LeNet.Tests.Graphs;

/// <summary>
/// The operations the ONNX graph importer added (Clip, constant Pad of any dimensions, Slice with a step): forwards
/// against hand-worked cases and naive loops, backwards against central differences in double.
/// </summary>
public class ImportOpsTests
{
    [Fact]
    public void Clip_Forward_LimitsEachElement()
    {
        Tensor x = Tensor.FromArray([-3f, -1f, 0.5f, 2f, 7f], 5);

        new ClipOp(-1f, 2f).Forward([x]).ToArray().Should().Equal(-1f, -1f, 0.5f, 2f, 2f);
    }

    [Fact]
    public void Clip_Backward_MatchesCentralDifferences()
    {
        // Values away from the bounds, where the function is differentiable.
        Tensor x = Tensor.FromArray([-2.5f, -0.7f, 0.3f, 1.1f, 1.9f, 3.2f, -1.6f, 0.8f], 2, 4);
        CheckGradient(new ClipOp(-1f, 2f), x);
    }

    [Fact]
    public void Pad_Forward_PadsEveryDimensionAsWorkedByHand()
    {
        // [1, 2] → before (1, 0), after (0, 2), value 9: [[9, 9, 9, 9], [1, 2, 9, 9]]
        Tensor x = Tensor.FromArray([1f, 2f], 1, 2);

        Tensor y = new PadOp([1, 0], [0, 2], 9f).Forward([x]);

        y.Shape.ToArray().Should().Equal(2, 4);
        y.ToArray().Should().Equal(9f, 9f, 9f, 9f, 1f, 2f, 9f, 9f);
    }

    [Fact]
    public void Pad_ChannelsOfNchw_MatchesNaiveLoop()
    {
        // The CIFAR ResNet's option-A shortcut: zero channels before and after.
        Tensor x = Values(new Random(1), [2, 3, 2, 3]);

        Tensor y = new PadOp([0, 2, 0, 1], [0, 1, 1, 0], 0f).Forward([x]);

        y.Shape.ToArray().Should().Equal(2, 6, 3, 4);
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 6; c++)
            {
                for (int h = 0; h < 3; h++)
                {
                    for (int w = 0; w < 4; w++)
                    {
                        bool inside = c is >= 2 and < 5 && h < 2 && w >= 1;
                        float expected = inside ? x[n, c - 2, h, w - 1] : 0f;
                        y[n, c, h, w].Should().Be(expected);
                    }
                }
            }
        }
    }

    [Fact]
    public void Pad_Backward_MatchesCentralDifferences() =>
        CheckGradient(new PadOp([0, 1, 2], [1, 0, 1], 0.5f), Values(new Random(2), [2, 3, 2]));

    [Fact]
    public void StridedSlice_Forward_TakesEveryStepThElement()
    {
        // x[:, 1::2] of [[0 .. 6]]: 1, 3, 5
        Tensor x = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f, 6f], 1, 7);

        new SliceOp(1, 1, 3, step: 2).Forward([x]).ToArray().Should().Equal(1f, 3f, 5f);
    }

    [Fact]
    public void StridedSlice_Backward_MatchesCentralDifferences() =>
        CheckGradient(new SliceOp(2, 0, 3, step: 2), Values(new Random(3), [2, 2, 6, 2]));

    [Fact]
    public void NegativeStepSlice_Forward_WalksBackwards()
    {
        // x[:, 5::-2] of [[0 .. 6]] (ONNX Slice start 5, step −2, to the beginning): 5, 3, 1
        Tensor x = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f, 6f], 1, 7);

        new SliceOp(1, 5, 3, step: -2).Forward([x]).ToArray().Should().Equal(5f, 3f, 1f);
    }

    [Fact]
    public void NegativeStepSlice_Backward_MatchesCentralDifferences() =>
        CheckGradient(new SliceOp(2, 5, 4, step: -1), Values(new Random(4), [2, 2, 6, 2]));

    [Fact]
    public void Erf_Forward_MatchesTheSeriesToFloatPrecision()
    {
        // erf(x) = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1)), summed in double.
        float[] xs = [-2.5f, -1f, -0.3f, 0f, 0.1f, 0.7f, 1.5f, 3f];

        float[] actual = ErfOp.Instance.Forward([Tensor.FromArray(xs, xs.Length)]).ToArray();

        actual.Should().BeCloseTo([.. xs.Select(x => (float)ErfSeries(x))], atol: 1e-6);
    }

    [Fact]
    public void Erf_Backward_MatchesCentralDifferences() =>
        CheckGradient(ErfOp.Instance, Values(new Random(4), [3, 5]));

    [Fact]
    public void Sqrt_ForwardAndBackward_MatchRootAndCentralDifferences()
    {
        Tensor x = Tensor.FromArray([0.25f, 1f, 2f, 9f, 0.5f, 4f], 2, 3);

        SqrtOp.Instance.Forward([x]).ToArray().Should().BeCloseTo([0.5f, 1f, MathF.Sqrt(2f), 3f, MathF.Sqrt(0.5f), 2f], atol: 1e-7);
        CheckGradient(SqrtOp.Instance, x);
    }

    private static double ErfSeries(double x)
    {
        double sum = 0, term = x; // term = (−1)ⁿ x²ⁿ⁺¹ / n!
        for (int n = 0; n < 60; n++)
        {
            sum += term / ((2 * n) + 1);
            term *= -x * x / (n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>loss = Σ w ⊙ op(x) for fixed random w: its gradient from the op's backward against central differences.</summary>
    private static void CheckGradient(TensorOp op, Tensor x)
    {
        Tensor y = op.Forward([x]);
        Tensor w = Values(new Random(7), y.Shape.ToArray());
        float[] analytical = op.Backward([x], y, w, [true])[0]!.ToArray();

        double Loss(float[] data)
        {
            Tensor output = op.Forward([Tensor.FromArray(data, x.Shape.ToArray())]);
            return output.ToArray().Zip(w.ToArray(), (a, b) => (double)a * b).Sum();
        }

        float[] values = x.ToArray();
        double[] numerical = new double[values.Length];
        const float H = 1e-3f;
        for (int i = 0; i < values.Length; i++)
        {
            float[] plus = (float[])values.Clone(), minus = (float[])values.Clone();
            plus[i] += H;
            minus[i] -= H;
            numerical[i] = (Loss(plus) - Loss(minus)) / (2 * H);
        }

        analytical.ShouldMatchNumerical(numerical, op.Name);
    }

    private static Tensor Values(Random random, int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (random.NextSingle() * 4) - 2;
        }

        return t;
    }
}
