using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Both products of <see cref="Gemm"/> against the definition in double, at every vector width (1, 4, 8
/// and 16 floats; an unaccelerated width is emulated), with sizes that straddle the width.
/// </summary>
public class GemmTests
{
    // m: 1–3 (the one-row loop only), 4, 5–9 (four-row blocks and their tail); n: the vector width ± 1,
    // twice it + 3 (a two-vector block, then the masked last vector), three times it + 2 (two-vector,
    // one-vector and masked blocks), 1; k: 0 (nothing to add), 1, 7, 33.
    private static IEnumerable<int> Rows => [1, 2, 3, 4, 5, 7, 8, 9];

    private static IEnumerable<int> Columns(int width) => [1, width - 1, width, width + 1, (2 * width) + 3, (3 * width) + 2];

    private static IEnumerable<int> Depths => [0, 1, 7, 33];

    public static IEnumerable<object[]> Layouts => KernelWidths.Cross([[false, true], [true, true], [false, false], [true, false]]);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void AddProducts_EverySizeAndLayout_MatchesTheDefinition(int width, bool transposedA, bool accumulate)
    {
        var random = new Random(transposedA ? 11 : 12);
        foreach (int m in Rows)
        {
            foreach (int n in Columns(width).Where(n => n > 0).Distinct())
            {
                foreach (int k in Depths)
                {
                    // A stored as [m, k] (row stride k, column stride 1) or as Aᵀ [k, m] read in place (1, m).
                    float[] a = KernelData.Uniform(random, m * k);
                    float[] b = KernelData.Uniform(random, k * n);
                    float[] c = KernelData.Uniform(random, m * n);
                    float[] initial = (float[])c.Clone();
                    (int rowStride, int colStride) = transposedA ? (1, m) : (k, 1);

                    Gemm.AddProducts(a, rowStride, colStride, b, c, m, k, n, accumulate, (SimdWidth)width);

                    double[] expected = NaiveMatrix.Product(a, rowStride, colStride, b, accumulate ? initial : new float[m * n], m, k, n);
                    c.Should().BeCloseTo(KernelData.ToFloat(expected), atol: 1e-5, rtol: 1e-5, because: $"m {m}, k {k}, n {n}");
                }
            }
        }
    }

    [Fact]
    public void AddProducts_OutputLongerThanMByN_LeavesTheRestAlone()
    {
        var random = new Random(13);
        const int M = 5, K = 3, N = 7;
        float[] a = KernelData.Uniform(random, M * K), b = KernelData.Uniform(random, K * N);
        float[] c = [.. Enumerable.Repeat(9f, (M * N) + 5)];

        Gemm.AddProducts(a, K, 1, b, c, M, K, N, accumulate: false);

        c[(M * N)..].Should().AllBeEquivalentTo(9f);
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void AddDotProducts_EverySizeAndOverlappingRuns_MatchesTheDefinition(int width)
    {
        var random = new Random(14);
        foreach (int m in new[] { 1, 2, 3, 5 })
        {
            // n: single dots, 2×2 blocks, 2×4 blocks with 2×2 and single edges.
            foreach (int n in new[] { 1, 2, 3, 4, 6, 9 })
            {
                foreach (int k in new[] { 1, width - 1, width, width + 1, (3 * width) + 5, 100 }.Where(k => k > 0).Distinct())
                {
                    // A's rows padded to a stride past k; B's runs start at shifted, overlapping offsets as a convolution's windows do.
                    int aStride = k + 3;
                    float[] a = KernelData.Uniform(random, ((m - 1) * aStride) + k);
                    int[] starts = [.. Enumerable.Range(0, n).Select(j => (j * 3) + (j % 2))];
                    float[] b = KernelData.Uniform(random, starts[^1] + k + 2);
                    float[] c = KernelData.Uniform(random, m * n);
                    float[] initial = (float[])c.Clone();

                    Gemm.AddDotProducts(a, aStride, b, starts, c, m, n, k, (SimdWidth)width);

                    double[] expected = NaiveMatrix.Dots(a, aStride, b, starts, initial, m, n, k);
                    c.Should().BeCloseTo(KernelData.ToFloat(expected), atol: 1e-5, rtol: 1e-5, because: $"m {m}, n {n}, k {k}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void AddDotProducts_InfiniteInputInTheOverlapOfTheLastVector_StaysInfinite(int width)
    {
        // k = width + 3: the last vector re-reads lanes 3 … width + 2, summed already; an ∞ there must
        // not come back as 0·∞ = NaN.
        int k = width + 3;
        float[] a = [.. Enumerable.Repeat(1f, 2 * k)];
        float[] b = [.. Enumerable.Repeat(0.5f, k + 8)];
        b[3] = float.PositiveInfinity;
        int[] starts = [0, 0, 0, 0, 0];
        var c = new float[2 * 5];

        Gemm.AddDotProducts(a, k, b, starts, c, 2, 5, k, (SimdWidth)width);

        c.Should().AllSatisfy(value => value.Should().Be(float.PositiveInfinity));
    }
}
