using LeNet.Graphs.Ops;

namespace LeNet.Tests.Graphs;

/// <summary>MatMulOp (the ONNX importer's MatMul of two tensors) against a naive double-precision product and central differences.</summary>
public class MatMulOpTests
{
    /// <summary>A shape, B shape: B shared by A's matrices, or a batch of products with the same leading dimensions.</summary>
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [3, 4], [4, 5] },
        { [2, 3, 4], [4, 17] },
        { [2, 3, 5, 4], [4, 2] },
        { [2, 3, 4], [2, 4, 3] },
        { [1, 2, 3, 4], [1, 2, 4, 3] },
        { [3, 1, 7], [3, 7, 9] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesNaiveProduct(int[] aShape, int[] bShape)
    {
        Tensor a = Values(new Random(1), aShape), b = Values(new Random(2), bShape);

        Tensor y = MatMulOp.Instance.Forward([a, b]);

        double[] expected = Naive(a, b, out int[] shape);
        y.Shape.ToArray().Should().Equal(shape);
        y.ToArray().Should().BeCloseTo([.. expected.Select(v => (float)v)], 1e-6, 1e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Backward_MatchesCentralDifferencesForBothInputs(int[] aShape, int[] bShape)
    {
        Tensor a = Values(new Random(3), aShape), b = Values(new Random(4), bShape);
        Tensor y = MatMulOp.Instance.Forward([a, b]);
        Tensor w = Values(new Random(5), y.Shape.ToArray());

        Tensor?[] grads = MatMulOp.Instance.Backward([a, b], y, w, [true, true]);

        for (int input = 0; input < 2; input++)
        {
            Tensor[] xs = [a, b];
            float[] values = xs[input].ToArray();
            double[] numerical = new double[values.Length];
            const float H = 1e-2f;
            for (int i = 0; i < values.Length; i++)
            {
                double Loss(float delta)
                {
                    float[] changed = (float[])values.Clone();
                    changed[i] += delta;
                    xs[input] = Tensor.FromArray(changed, xs[input].Shape.ToArray());
                    return Naive(xs[0], xs[1], out _).Zip(w.ToArray(), (p, q) => p * q).Sum();
                }

                numerical[i] = (Loss(H) - Loss(-H)) / (2 * H);
            }

            grads[input]!.ToArray().ShouldMatchNumerical(numerical, $"matmul input {input}");
        }
    }

    [Fact]
    public void Forward_MismatchedShapes_ThrowsNamingBoth()
    {
        Action act = () => MatMulOp.Instance.Forward([new Tensor(2, 3, 4), new Tensor(3, 4, 5)]);

        act.Should().Throw<ArgumentException>().WithMessage("MatMul of [2, 3, 4] by [3, 4, 5]*");
    }

    /// <summary>y[…, i, j] = Σ_t a[…, i, t] · b[(…,) t, j] in double.</summary>
    private static double[] Naive(Tensor a, Tensor b, out int[] shape)
    {
        int m = a.Shape[^2], k = a.Shape[^1], n = b.Shape[^1];
        int batches = a.Length / (m * k);
        bool shared = b.Rank == 2;
        float[] av = a.ToArray(), bv = b.ToArray();
        double[] y = new double[batches * m * n];
        for (int p = 0; p < batches; p++)
        {
            int bOffset = shared ? 0 : p * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int t = 0; t < k; t++)
                    {
                        sum += (double)av[(p * m * k) + (i * k) + t] * bv[bOffset + (t * n) + j];
                    }

                    y[(p * m * n) + (i * n) + j] = sum;
                }
            }
        }

        shape = [.. a.Shape[..^1].ToArray(), n];
        return y;
    }

    private static Tensor Values(Random random, int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (random.NextSingle() * 2) - 1;
        }

        return t;
    }
}
