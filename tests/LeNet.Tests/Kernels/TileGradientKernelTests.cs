using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The training kernels of the batch-inner tile layout against loop nests written from the formulas
/// (in double), at every vector width: each lane group of a tile of 16 images is run separately, as the
/// trainer does.
/// </summary>
public class TileGradientKernelTests
{
    private const int L = TileMap.Lanes;

    // (in channels, out channels, height, width, kernel, padding, gradient map padding): LeNet's conv1 and
    // conv2, a 3×3 kernel (the general path), an odd channel count after the 4- and 2-channel blocks
    // (4 + 2 + 1), an odd output width (the single-column path), a padded gradient map.
    public static IEnumerable<object[]> Convolutions => KernelWidths.Cross(
    [
        [1, 6, 28, 28, 5, 2, 0],
        [6, 16, 14, 14, 5, 0, 0],
        [3, 5, 7, 6, 3, 1, 0],
        [4, 7, 6, 6, 5, 1, 0],
        [2, 3, 5, 9, 5, 0, 2],
    ]);

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void WeightGradient_EveryWidth_AddsTheSumOverImagesAndPositions(int width, int c, int o, int h, int w, int k, int p, int dzPad)
    {
        var random = new Random(c + (3 * o) + h + w + k + p);
        int oh = h + (2 * p) - k + 1, ow = w + (2 * p) - k + 1;
        var xMap = new TileMap(c, h, w, p);
        var dzMap = new TileMap(o, oh, ow, dzPad);
        float[] x = Random(random, L * c * h * w), dz = Random(random, L * o * oh * ow);
        float[] initial = Random(random, o * c * k * k);
        float[] xTile = ToTile(x, xMap), dzTile = ToTile(dz, dzMap);
        float[] actual = (float[])initial.Clone();

        EveryLaneGroup(width, new WeightGradientCall(xTile, xMap, dzTile, dzMap, actual, k));

        var expected = new float[initial.Length];
        for (int oo = 0; oo < o; oo++)
        {
            for (int cc = 0; cc < c; cc++)
            {
                for (int u = 0; u < k; u++)
                {
                    for (int v = 0; v < k; v++)
                    {
                        double sum = initial[(((((oo * c) + cc) * k) + u) * k) + v];
                        for (int n = 0; n < L; n++)
                        {
                            for (int y = 0; y < oh; y++)
                            {
                                for (int xx = 0; xx < ow; xx++)
                                {
                                    sum += (double)dz[Index(n, oo, y, xx, o, oh, ow)] * Padded(x, n, cc, y + u - p, xx + v - p, c, h, w);
                                }
                            }
                        }

                        expected[(((((oo * c) + cc) * k) + u) * k) + v] = (float)sum;
                    }
                }
            }
        }

        actual.Should().BeCloseTo(expected, atol: 1e-3, rtol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void InputGradient_EveryWidth_IsTheTransposedConvolution(int width, int c, int o, int h, int w, int k, int p, int dzPad)
    {
        var random = new Random(c + (5 * o) + h + w + k + p);
        int oh = h + (2 * p) - k + 1, ow = w + (2 * p) - k + 1;
        var dzMap = new TileMap(o, oh, ow, dzPad);
        var dxMap = new TileMap(c, h, w, p);
        float[] weight = Random(random, o * c * k * k), dz = Random(random, L * o * oh * ow);
        var packed = new float[weight.Length];
        ConvGradTileKernel.PackInputGradientWeights(weight, o, c, k, packed);
        float[] dzTile = ToTile(dz, dzMap);
        float[] dxTile = [.. Enumerable.Repeat(7f, dxMap.Length)];

        EveryLaneGroup(width, new InputGradientCall(dzTile, dzMap, packed, dxTile, dxMap, k));

        // dx[n, c, a, b] = Σ_{o,u,v} W[o, c, u, v] · dz[n, o, a + p − u, b + p − v] over the positions that exist.
        var expected = new float[L * c * h * w];
        for (int n = 0; n < L; n++)
        {
            for (int cc = 0; cc < c; cc++)
            {
                for (int a = 0; a < h; a++)
                {
                    for (int b = 0; b < w; b++)
                    {
                        double sum = 0;
                        for (int oo = 0; oo < o; oo++)
                        {
                            for (int u = 0; u < k; u++)
                            {
                                for (int v = 0; v < k; v++)
                                {
                                    int y = a + p - u, xx = b + p - v;
                                    if (y >= 0 && y < oh && xx >= 0 && xx < ow)
                                    {
                                        sum += (double)weight[(((((oo * c) + cc) * k) + u) * k) + v] * dz[Index(n, oo, y, xx, o, oh, ow)];
                                    }
                                }
                            }
                        }

                        expected[Index(n, cc, a, b, c, h, w)] = (float)sum;
                    }
                }
            }
        }

        FromTile(dxTile, dxMap).Should().BeCloseTo(expected, atol: 1e-4);
    }

    public static IEnumerable<object[]> PoolBackwards => KernelWidths.Cross(
    [
        ["sigmoid", "avg"],
        ["relu", "max"],
        ["identity", "max"],
        ["relu", "none"],
        ["sigmoid", "none"],
    ]);

    [Theory]
    [MemberData(nameof(PoolBackwards))]
    public void ActivationGradient_EveryWidth_MatchesTheChainRule(int width, string activation, string pool)
    {
        // 3 channels of 5×7: the last row and column belong to no 2×2 window.
        const int O = 3, H = 5, W = 7;
        bool pooled = pool != "none";
        int ph = pooled ? H / 2 : H, pw = pooled ? W / 2 : W;
        var random = new Random(activation.Length + pool.Length);
        float[] a = Random(random, L * O * H * W);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = activation switch
            {
                "sigmoid" => (a[i] + 1) / 2,
                "relu" => Math.Max(0f, a[i]),
                _ => a[i],
            };

            // Ties: every third element repeats its left neighbour, so some windows have two maxima.
            if (i % 3 == 2)
            {
                a[i] = a[i - 1];
            }
        }

        float[] dOut = Random(random, L * O * ph * pw);
        var pooledValues = new float[L * O * ph * pw];
        var expected = new float[L * O * H * W];
        var expectedBias = new double[O];
        float[] initialBias = Random(random, O);
        for (int n = 0; n < L; n++)
        {
            for (int o = 0; o < O; o++)
            {
                for (int y = 0; y < ph; y++)
                {
                    for (int x = 0; x < pw; x++)
                    {
                        // The positions of the output's window, and where its gradient goes.
                        (int Y, int X)[] window = pooled ? [(2 * y, 2 * x), (2 * y, (2 * x) + 1), ((2 * y) + 1, 2 * x), ((2 * y) + 1, (2 * x) + 1)] : [(y, x)];
                        float max = window.Max(q => a[Index(n, o, q.Y, q.X, O, H, W)]);
                        pooledValues[Index(n, o, y, x, O, ph, pw)] = max;
                        int first = Array.FindIndex(window, q => a[Index(n, o, q.Y, q.X, O, H, W)] == max);
                        for (int q = 0; q < window.Length; q++)
                        {
                            float g = dOut[Index(n, o, y, x, O, ph, pw)];
                            float share = pool switch
                            {
                                "avg" => g / 4,
                                "max" => q == first ? g : 0f,
                                _ => g,
                            };
                            float value = a[Index(n, o, window[q].Y, window[q].X, O, H, W)];
                            float dz = activation switch
                            {
                                "sigmoid" => share * (1 - value) * value,
                                "relu" => value > 0 ? share : 0f,
                                _ => share,
                            };
                            expected[Index(n, o, window[q].Y, window[q].X, O, H, W)] = dz;
                            expectedBias[o] += dz;
                        }
                    }
                }
            }
        }

        var fullMap = new TileMap(O, H, W, 0);
        var outMap = new TileMap(O, ph, pw, 0);
        float[] dzTile = [.. Enumerable.Repeat(7f, fullMap.Length)];
        float[] bias = (float[])initialBias.Clone();
        EveryLaneGroup(width, new ActivationGradientCall(activation, pool, ToTile(dOut, outMap), outMap, ToTile(a, fullMap), fullMap, ToTile(pooledValues, outMap), dzTile, bias));

        FromTile(dzTile, fullMap).Should().BeCloseTo(expected, atol: 1e-6);
        bias.Should().BeCloseTo([.. initialBias.Select((b, o) => (float)(b + expectedBias[o]))], atol: 1e-4);
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void PooledKeeping_EveryWidth_KeepsTheActivationsAndPoolsAsInference(int width)
    {
        // conv 2 → 3 channels (an odd one), 5×5, padding 2, on 8×6 images; sigmoid and a 2×2 average.
        const int C = 2, O = 3, H = 8, W = 6, K = 5, P = 2;
        var random = new Random(17);
        float[] x = Random(random, L * C * H * W), weight = Random(random, O * C * K * K), bias = Random(random, O);
        var inMap = new TileMap(C, H, W, P);
        var outMap = new TileMap(O, H / 2, W / 2, 1);
        var keepMap = new TileMap(O, H, W, 0);
        float[] input = ToTile(x, inMap), packed = ConvTileKernel.PackWeights(weight, O, C, K);
        float[] pooled = new float[outMap.Length], reference = new float[outMap.Length], keep = new float[keepMap.Length];

        EveryLaneGroup(width, new PooledCall(input, inMap, packed, bias, reference, outMap, null, keepMap));
        EveryLaneGroup(width, new PooledCall(input, inMap, packed, bias, pooled, outMap, keep, keepMap));

        pooled.Should().Equal(reference, "keeping does not change the pooled output");
        var expected = new float[L * O * H * W];
        for (int n = 0; n < L; n++)
        {
            var image = new float[1, C, H, W];
            var w4 = new float[O, C, K, K];
            Buffer.BlockCopy(x, n * C * H * W * sizeof(float), image, 0, C * H * W * sizeof(float));
            Buffer.BlockCopy(weight, 0, w4, 0, weight.Length * sizeof(float));
            float[] z = Arrays.Flat(NaiveLayers.Conv2d(image, w4, bias, 1, P));
            for (int i = 0; i < z.Length; i++)
            {
                expected[(n * z.Length) + i] = NaiveLayers.Sigmoid(z[i]);
            }
        }

        FromTile(keep, keepMap).Should().BeCloseTo(expected, atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void RowBlockGemm_EveryWidth_MatchesNaiveProduct(int width)
    {
        var random = new Random(3);
        int k = 37, columns = 6 * width, stride = columns + 5;
        float[] a = Random(random, 4 * 41), b = Random(random, k * stride);
        var c = new float[4 * stride];

        switch ((SimdWidth)width)
        {
            case SimdWidth.Vector512:
                RowBlockGemm.Multiply<Vector512Ops, Vector512<float>>(a, 41, b, stride, c, stride, k, columns);
                break;
            case SimdWidth.Vector256:
                RowBlockGemm.Multiply<Vector256Ops, Vector256<float>>(a, 41, b, stride, c, stride, k, columns);
                break;
            case SimdWidth.Vector128:
                RowBlockGemm.Multiply<Vector128Ops, Vector128<float>>(a, 41, b, stride, c, stride, k, columns);
                break;
            default:
                RowBlockGemm.Multiply<ScalarOps, float>(a, 41, b, stride, c, stride, k, columns);
                break;
        }

        for (int r = 0; r < 4; r++)
        {
            var expected = new float[columns];
            for (int j = 0; j < columns; j++)
            {
                double sum = 0;
                for (int t = 0; t < k; t++)
                {
                    sum += (double)a[(r * 41) + t] * b[(t * stride) + j];
                }

                expected[j] = (float)sum;
            }

            c.AsSpan(r * stride, columns).ToArray().Should().BeCloseTo(expected, atol: 1e-5, because: $"row {r}");
        }
    }

    private static float[] Random(Random random, int length) => [.. Enumerable.Range(0, length).Select(_ => (random.NextSingle() * 2) - 1)];

    /// <summary>Element (c, y, x) of image n in an image-major [16, C, H, W] array.</summary>
    private static int Index(int n, int c, int y, int x, int channels, int height, int width) => (((((n * channels) + c) * height) + y) * width) + x;

    private static double Padded(float[] images, int n, int c, int y, int x, int channels, int height, int width) =>
        y < 0 || y >= height || x < 0 || x >= width ? 0 : images[Index(n, c, y, x, channels, height, width)];

    /// <summary>Image-major [16, C, H, W] → the tile layout, zero padding included.</summary>
    private static float[] ToTile(float[] images, TileMap map)
    {
        var tile = new float[map.Length];
        for (int n = 0; n < L; n++)
        {
            for (int c = 0; c < map.Channels; c++)
            {
                for (int y = 0; y < map.Height; y++)
                {
                    for (int x = 0; x < map.Width; x++)
                    {
                        tile[map.Offset(c, y, x) + n] = images[Index(n, c, y, x, map.Channels, map.Height, map.Width)];
                    }
                }
            }
        }

        return tile;
    }

    /// <summary>The tile's interior, image-major.</summary>
    private static float[] FromTile(float[] tile, TileMap map)
    {
        var images = new float[L * map.Features];
        for (int n = 0; n < L; n++)
        {
            for (int c = 0; c < map.Channels; c++)
            {
                for (int y = 0; y < map.Height; y++)
                {
                    for (int x = 0; x < map.Width; x++)
                    {
                        images[Index(n, c, y, x, map.Channels, map.Height, map.Width)] = tile[map.Offset(c, y, x) + n];
                    }
                }
            }
        }

        return images;
    }

    /// <summary>Runs a kernel on every lane group of a tile at one width, as the trainer does.</summary>
    private static void EveryLaneGroup(int width, ILaneKernel kernel)
    {
        for (int lane = 0; lane < L; lane += width)
        {
            switch ((SimdWidth)width)
            {
                case SimdWidth.Vector512:
                    kernel.Run<Vector512Ops, Vector512<float>>(lane);
                    break;
                case SimdWidth.Vector256:
                    kernel.Run<Vector256Ops, Vector256<float>>(lane);
                    break;
                case SimdWidth.Vector128:
                    kernel.Run<Vector128Ops, Vector128<float>>(lane);
                    break;
                default:
                    kernel.Run<ScalarOps, float>(lane);
                    break;
            }
        }
    }

    private interface ILaneKernel
    {
        void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    private sealed record WeightGradientCall(float[] X, TileMap XMap, float[] Dz, TileMap DzMap, float[] WeightGrad, int K) : ILaneKernel
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct => ConvGradTileKernel.WeightGradient<TOps, TVec>(X, XMap, Dz, DzMap, WeightGrad, K, lane);
    }

    private sealed record InputGradientCall(float[] Dz, TileMap DzMap, float[] Packed, float[] Dx, TileMap DxMap, int K) : ILaneKernel
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct => ConvGradTileKernel.InputGradient<TOps, TVec>(Dz, DzMap, Packed, Dx, DxMap, K, lane);
    }

    private sealed record PooledCall(float[] Input, TileMap InMap, float[] Packed, float[] Bias, float[] Output, TileMap OutMap, float[]? Keep, TileMap KeepMap) : ILaneKernel
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            if (Keep is null)
            {
                ConvTileKernel.Pooled<TOps, TVec, SigmoidActivation, AveragePool>(Input, InMap, Packed, Bias, Output, OutMap, 5, 1, lane);
            }
            else
            {
                ConvTileKernel.PooledKeeping<TOps, TVec, SigmoidActivation, AveragePool>(Input, InMap, Packed, Bias, Output, OutMap, 5, 1, lane, Keep, KeepMap);
            }
        }
    }

    private sealed record ActivationGradientCall(
        string Activation, string Pool, float[] DOut, TileMap OutMap, float[] A, TileMap FullMap, float[] Pooled, float[] Dz, float[] Bias) : ILaneKernel
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            switch (Activation)
            {
                case "sigmoid":
                    Run<TOps, TVec, SigmoidActivation>(lane);
                    break;
                case "relu":
                    Run<TOps, TVec, ReluActivation>(lane);
                    break;
                default:
                    Run<TOps, TVec, NoActivation>(lane);
                    break;
            }
        }

        private void Run<TOps, TVec, TAct>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            where TAct : IActivation
        {
            switch (Pool)
            {
                case "avg":
                    ActivationGradTileKernel.Pooled<TOps, TVec, TAct, AveragePool>(DOut, OutMap, A, FullMap, Pooled, OutMap, Dz, FullMap, Bias, lane);
                    break;
                case "max":
                    ActivationGradTileKernel.Pooled<TOps, TVec, TAct, MaxPool>(DOut, OutMap, A, FullMap, Pooled, OutMap, Dz, FullMap, Bias, lane);
                    break;
                default:
                    ActivationGradTileKernel.Plain<TOps, TVec, TAct>(DOut, OutMap, A, FullMap, Dz, FullMap, Bias, lane);
                    break;
            }
        }
    }
}
