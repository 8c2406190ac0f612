using LeNet.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The stride-1 3×3 convolution by Winograd F(2×2, 3×3), with its fused bias, activation and optional 2×2
/// pool, against the convolution formula, the activation and the pool written out in double, at every width.
/// </summary>
public class WinogradKernelTests
{
    // (in, out, height, width, padding, extra row stride, extra plane stride, activation, pool):
    // pytorch/examples' Net conv2 (32→64 at 26×26, max pool); CIFAR ResNet-20's 16→16 at 32×32, padded; channels
    // that leave a short last vector (17, 40: 5 vectors of 8, the 3 + overlapping 3 blocks) and tiles that leave
    // a short last block of 4; odd output sizes (the last tile overhangs the edge, or the pool drops a row);
    // gaps after rows and planes; average pool. Groups of tile rows (GroupRows = 32 / TilesX): 5 tiles a row in
    // groups of 6 rows with a partial last group (19 rows) and channel blocks of 16 that leave 8 of the last unused;
    // a pooled map of 3 tiles a row in groups of 10 (20 rows, split into halves, thirds and channel blocks); 18 tiles
    // a row (two vectors at 512 bits, the second nearly empty), one row a group. Half a vector of tiles a row, two
    // tile rows per vector: 8 tiles at 512 bits (7 rows in groups of 4 and 3, so a last unpaired row; a pooled
    // average), 4 at 256 (9×8 pooled, 7×7, 8×8, 13×8), 2 at 128 (9×4: 5 rows, one group). A quarter, four tile rows
    // per vector: 4 tiles at 512 bits (8×8, 7×7, 9×8 pooled: 4 rows; 13×8: 7 rows, three left over), 2 at 256 (9×4),
    // 1 at 128 (9×2).
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [32, 64, 26, 26, 0, 0, 0, NaiveActivations.Relu, "max"],
        [16, 16, 32, 32, 1, 0, 0, NaiveActivations.Relu, "none"],
        [8, 17, 9, 8, 1, 3, 5, NaiveActivations.Sigmoid, "max"],
        [9, 40, 7, 11, 0, 1, 2, NaiveActivations.Identity, "none"],
        [12, 24, 7, 7, 1, 2, 0, NaiveActivations.Relu, "none"],
        [10, 33, 11, 10, 0, 0, 3, NaiveActivations.Sigmoid, "avg"],
        [64, 64, 8, 8, 1, 0, 0, NaiveActivations.Identity, "none"],
        [32, 40, 37, 9, 1, 0, 2, NaiveActivations.Relu, "none"],
        [17, 36, 41, 7, 1, 2, 3, NaiveActivations.Identity, "avg"],
        [12, 18, 35, 35, 1, 1, 0, NaiveActivations.Relu, "none"],
        [16, 24, 13, 16, 1, 1, 0, NaiveActivations.Relu, "none"],
        [24, 16, 16, 17, 1, 0, 0, NaiveActivations.Identity, "avg"],
        [6, 20, 9, 4, 1, 0, 1, NaiveActivations.Sigmoid, "none"],
        [16, 24, 13, 8, 1, 0, 0, NaiveActivations.Relu, "none"],
        [5, 16, 9, 2, 1, 0, 0, NaiveActivations.Identity, "none"],
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
        var plan = new WinogradPlan(weight, bias, o, c, hp, wp, pooled);

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

        float[] output = [.. Enumerable.Repeat(float.NaN, o * planeStride)];

        // Two calls over the tile rows (as two threads split them) must give what one call gives.
        int half = plan.TilesY / 2;
        AtWidth.Once(width, new Call(activation, pool == "max", plan, padded, 0, half, output, rowStride, planeStride));
        AtWidth.Once(width, new Call(activation, pool == "max", plan, padded, half, plan.TilesY - half, output, rowStride, planeStride));

        // Any split of the rows or the output channels into parts (as the threads of one image take them) gives the same bits.
        foreach (int parts in new[] { 3, plan.Blocks })
        {
            float[] split = [.. Enumerable.Repeat(float.NaN, o * planeStride)];
            for (int part = 0; part < parts; part++)
            {
                (int firstRow, int rows, int firstBlock, int blocks) = part < plan.Blocks && parts == plan.Blocks
                    ? (0, plan.TilesY, part, 1)
                    : plan.Part(part, parts);
                AtWidth.Once(width, new Call(activation, pool == "max", plan, padded, firstRow, rows, split, rowStride, planeStride, firstBlock, blocks));
            }

            Bits(split).Should().Equal(Bits(output), because: $"{parts} parts of {c}→{o}, {h}×{w}");
        }

        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, 3, 1, padding);
        float[] expected = pooled
            ? NaiveActivations.Pooled(conv, o, oh, ow, activation, pool == "max", rowStride, planeStride)
            : Plain(conv, o, oh, ow, activation, rowStride, planeStride);

        output.Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-4, because: $"{c}→{o}, {h}×{w}, padding {padding}, {pool}");
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];

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

    private sealed record Call(
        string Activation, bool Max, WinogradPlan Plan, float[] Input, int First, int Count, float[] Output, int RowStride, int PlaneStride, int FirstBlock = 0, int Blocks = -1)
        : PooledCall(Activation, Max)
    {
        protected override void Run<TOps, TVec, TAct, TPool>()
        {
            var lanes = new float[16];
            int blocks = Blocks < 0 ? Plan.Blocks : Blocks;
            WinogradKernel.Rows<TOps, TVec, TAct, TPool>(Plan, Input, First, Count, FirstBlock, blocks, Output, RowStride, PlaneStride, Plan.Scratch(), lanes);
        }
    }
}
