using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;
using Xunit.Abstractions;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The stride-1 3×3 convolution by Winograd F(4×4, 3×3), with its fused bias, activation and optional 2×2 pool,
/// against the convolution formula, the activation and the pool written out in double, at every width.
/// </summary>
/// <remarks>
/// The tolerance is the issue's: 1e-4 relative, here of the largest |output| of the case (an output near zero has
/// the rounding error of its larger terms), never more. The worst error seen over these cases, printed by each: see
/// docs/performance.md, "Winograd F(4×4, 3×3)".
/// </remarks>
public class WinogradF4KernelTests(ITestOutputHelper output)
{
    // (in, out, height, width, padding, extra row stride, extra plane stride, activation, pool):
    // pytorch/examples' Net conv2 (32→64 at 26×26, max pool); ResNet's 64→64 at 8×8 and 16→16 at 30×30 (several
    // passes of tile rows); channels that leave a short last vector (17, 33, 40) and tiles that leave a short
    // last block of 4; outputs that the last tile overhangs by 1, 2 and 3 rows or columns (its patch reaches past
    // the planes); pooled outputs of odd size (the pool drops a row, a tile holds one pooled column); one tile,
    // and less than one; gaps after rows and planes; every activation; average pool.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [32, 64, 26, 26, 0, 0, 0, NaiveActivations.Relu, "max"],
        [64, 64, 8, 8, 1, 0, 0, NaiveActivations.Identity, "none"],
        [16, 16, 30, 30, 1, 0, 0, NaiveActivations.Relu, "none"],
        [8, 17, 9, 8, 1, 3, 5, NaiveActivations.Sigmoid, "max"],
        [9, 40, 7, 11, 0, 1, 2, NaiveActivations.Identity, "none"],
        [12, 24, 7, 7, 1, 2, 0, NaiveActivations.Relu6, "none"],
        [10, 33, 11, 10, 0, 0, 3, NaiveActivations.Hardswish, "avg"],
        [5, 20, 13, 15, 1, 0, 0, NaiveActivations.Hardsigmoid, "max"],
        [7, 9, 14, 13, 1, 0, 0, NaiveActivations.Sigmoid, "avg"],
        [3, 7, 6, 6, 0, 0, 0, NaiveActivations.Hardswish, "none"],
        [2, 5, 3, 5, 0, 1, 1, NaiveActivations.Identity, "none"],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Rows_EveryWidth_MatchesConvolutionActivationAndPool(
        int width, int c, int o, int h, int w, int padding, int rowExtra, int planeExtra, string activation, string pool)
    {
        var random = new Random(c + (7 * o) + h + w + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * 9, 1f / MathF.Sqrt(c * 9));
        float[] bias = KernelData.Uniform(random, o);
        int hp = h + (2 * padding), wp = w + (2 * padding);
        int oh = hp - 2, ow = wp - 2;
        bool pooled = pool != "none";
        int outH = pooled ? oh / 2 : oh, outW = pooled ? ow / 2 : ow;
        int rowStride = outW + rowExtra, planeStride = (outH * rowStride) + planeExtra;
        var plan = new WinogradF4Plan(weight, bias, o, c, hp, wp, pooled);

        // The kernel takes the planes with the padding in them, plus the slack it may read (NaN: it must reach no output).
        float[] padded = [.. Enumerable.Repeat(float.NaN, plan.SourceLength)];
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < hp; y++)
            {
                for (int x = 0; x < wp; x++)
                {
                    int iy = y - padding, ix = x - padding;
                    bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    padded[(((ch * hp) + y) * wp) + x] = inside ? image[(((ch * h) + iy) * w) + ix] : 0f;
                }
            }
        }

        float[] result = [.. Enumerable.Repeat(float.NaN, o * planeStride)];

        // Two calls over the tile rows (as two threads split them) must give what one call gives.
        int half = plan.TilesY / 2;
        AtWidth.Once(width, new Call(activation, pool, plan, padded, 0, half, result, rowStride, planeStride));
        AtWidth.Once(width, new Call(activation, pool, plan, padded, half, plan.TilesY - half, result, rowStride, planeStride));

        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, 3, 1, padding);
        float[] expected = pooled
            ? NaiveActivations.Pooled(conv, o, oh, ow, activation, pool == "max", rowStride, planeStride)
            : Plain(conv, o, oh, ow, activation, rowStride, planeStride);

        double largest = expected.Where(float.IsFinite).Max(MathF.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsFinite(expected[i]))
            {
                worst = Math.Max(worst, Math.Abs(result[i] - expected[i]));
            }
        }

        output.WriteLine($"{c}→{o}, {h}×{w}, padding {padding}, {activation}, {pool}: worst |error| {worst:E2}, ÷ largest |output| {largest:F3} = {worst / largest:E2}");
        result.Should().BeCloseTo(expected, atol: 1e-4 * largest, rtol: 0, because: $"{c}→{o}, {h}×{w}, padding {padding}, {pool}");
    }

    /// <summary>act(conv) in planes <paramref name="planeStride"/> and rows <paramref name="rowStride"/> apart, every gap NaN.</summary>
    private static float[] Plain(double[] conv, int channels, int height, int width, string activation, int rowStride, int planeStride)
    {
        float[] plain = [.. Enumerable.Repeat(float.NaN, channels * planeStride)];
        for (int f = 0; f < channels; f++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    plain[(f * planeStride) + (y * rowStride) + x] = (float)NaiveActivations.Apply(activation, conv[(((f * height) + y) * width) + x]);
                }
            }
        }

        return plain;
    }

    /// <summary>The kernel at one width with each of the six activations the stages fuse, and the pool (max, average or none).</summary>
    private sealed record Call(
        string Activation, string Pool, WinogradF4Plan Plan, float[] Input, int First, int Count, float[] Output, int RowStride, int PlaneStride) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            switch (Activation)
            {
                case NaiveActivations.Sigmoid:
                    WithPool<TOps, TVec, SigmoidActivation>();
                    break;
                case NaiveActivations.Relu:
                    WithPool<TOps, TVec, ReluActivation>();
                    break;
                case NaiveActivations.Relu6:
                    WithPool<TOps, TVec, Relu6Activation>();
                    break;
                case NaiveActivations.Hardswish:
                    WithPool<TOps, TVec, HardswishActivation>();
                    break;
                case NaiveActivations.Hardsigmoid:
                    WithPool<TOps, TVec, HardsigmoidActivation>();
                    break;
                default:
                    WithPool<TOps, TVec, NoActivation>();
                    break;
            }
        }

        private void WithPool<TOps, TVec, TAct>()
            where TOps : ISimdOps<TVec>
            where TVec : struct
            where TAct : IActivation
        {
            var lanes = new float[16];
            if (Pool == "avg")
            {
                WinogradF4Kernel.Rows<TOps, TVec, TAct, AveragePool>(Plan, Input, First, Count, Output, RowStride, PlaneStride, Plan.Scratch(), lanes);
            }
            else
            {
                WinogradF4Kernel.Rows<TOps, TVec, TAct, MaxPool>(Plan, Input, First, Count, Output, RowStride, PlaneStride, Plan.Scratch(), lanes);
            }
        }
    }
}
