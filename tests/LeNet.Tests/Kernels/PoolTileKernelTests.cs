using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>The tile pool (the pools the convolution does not fuse) against the pooling formula in double, at every width and lane group.</summary>
public class PoolTileKernelTests
{
    private const int L = TileMap.Lanes;

    // (channels, height, width, kernel, stride, input pad, output pad, max): LeNet's 2×2/2; a window that
    // leaves a row and a column over (7×5 by 2/2); overlapping 3×3/1; 3×3/2; a 1×1 window; padded maps on
    // both sides (the input's border is never read, the output's never written).
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [6, 28, 28, 2, 2, 0, 0, false],
        [3, 7, 5, 2, 2, 0, 0, true],
        [3, 7, 5, 2, 2, 1, 2, false],
        [2, 6, 7, 3, 1, 2, 1, true],
        [1, 9, 9, 3, 2, 0, 0, false],
        [5, 4, 3, 1, 1, 1, 0, true],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_EveryWidth_MatchesThePoolingFormula(int width, int c, int h, int w, int k, int s, int inPad, int outPad, bool max)
    {
        var random = new Random(c + h + w + k + s + inPad + outPad);
        int oh = ((h - k) / s) + 1, ow = ((w - k) / s) + 1;
        var inMap = new TileMap(c, h, w, inPad);
        var outMap = new TileMap(c, oh, ow, outPad);
        float[] images = KernelData.Uniform(random, L * inMap.Features);
        // The input's border is NaN: a window that read it would give NaN.
        float[] input = KernelData.ToTile(images, L, inMap, fill: float.NaN);
        float[] output = [.. Enumerable.Repeat(-7f, outMap.Length)];

        AtWidth.EveryLaneGroup(width, new Call(input, inMap, output, outMap, k, s, max));

        double[] expected = DoubleReference.Pool2d(KernelData.ToDouble(images), L, c, h, w, k, s, max);
        float[] expectedTile = KernelData.ToTile(KernelData.ToFloat(expected), L, outMap, fill: -7f);
        output.Should().BeCloseTo(expectedTile, atol: 1e-6, rtol: 1e-6, because: $"{c}×{h}×{w}, {k}×{k}/{s}, {(max ? "max" : "avg")}");
    }

    private sealed record Call(float[] Input, TileMap InMap, float[] Output, TileMap OutMap, int K, int Stride, bool Max) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            if (Max)
            {
                PoolTileKernel.Forward<TOps, TVec, MaxPool>(Input, InMap, Output, OutMap, K, Stride, lane);
            }
            else
            {
                PoolTileKernel.Forward<TOps, TVec, AveragePool>(Input, InMap, Output, OutMap, K, Stride, lane);
            }
        }
    }
}
