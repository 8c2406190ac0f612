using LeNet.Kernels;
using LeNet.Kernels.Tiles;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The depthwise convolution's kernels (<see cref="DepthwiseConv2dKernel"/> for one image, <see cref="DepthwiseConvTileKernel"/>
/// for a tile) against the grouped convolution formula in double (groups = channels) and the activation from its
/// definition, at every width.
/// </summary>
public class DepthwiseConv2dKernelTests
{
    private const int L = TileMap.Lanes;

    // (channels, multiplier, height, width, kernel, stride, padding, dilation, activation): MobileNet's 3×3 at stride 1
    // and 2 with widths that leave every tail (37, 33 and 7 columns; 7×7 is mobilenet_v2's last map); channel
    // multiplier 2 with a 5×5; stride-2 5×5; dilation 2 (the general loop); stride 3 (scalar); an output of one vector
    // exactly (16 columns); outputs 8 to 15 columns wide, which take 256-bit vectors at 512 bits (14×14 at stride 1 and
    // from 28×28 at stride 2, as in mobilenet_v2; 8 columns: one vector exactly; 9 from 17 at stride 2; 11 with a
    // 5×5); each fused activation.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [8, 1, 20, 37, 3, 1, 1, 1, NaiveActivations.Relu6],
        [5, 1, 17, 33, 3, 2, 1, 1, NaiveActivations.Hardswish],
        [6, 1, 7, 7, 3, 1, 1, 1, NaiveActivations.Relu6],
        [6, 1, 14, 14, 3, 2, 1, 1, NaiveActivations.Identity],
        [3, 2, 9, 11, 5, 1, 2, 1, NaiveActivations.Identity],
        [4, 1, 13, 40, 5, 2, 2, 1, NaiveActivations.Relu],
        [2, 1, 12, 19, 3, 1, 2, 2, NaiveActivations.Hardsigmoid],
        [3, 1, 11, 10, 3, 3, 1, 1, NaiveActivations.Relu6],
        [2, 1, 16, 16, 3, 1, 1, 1, NaiveActivations.Sigmoid],
        [2, 3, 6, 35, 3, 2, 0, 1, NaiveActivations.Relu6],
        [5, 1, 14, 14, 3, 1, 1, 1, NaiveActivations.Relu6],
        [4, 1, 28, 28, 3, 2, 1, 1, NaiveActivations.Relu6],
        [3, 1, 8, 8, 3, 1, 1, 1, NaiveActivations.Hardswish],
        [3, 1, 18, 17, 3, 2, 1, 1, NaiveActivations.Relu],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Image_EveryWidth_MatchesGroupedConvolutionFormula(int width, int c, int m, int h, int w, int k, int stride, int pad, int dilation, string activation)
    {
        var random = new Random(c + (3 * m) + h + w + k + stride + pad + dilation);
        int o = c * m;
        float[] image = KernelData.Uniform(random, c * h * w, 3f);
        float[] weight = KernelData.Uniform(random, o * k * k, 1f);
        float[] bias = KernelData.Uniform(random, o);
        int hp = h + (2 * pad), wp = w + (2 * pad);
        int oh = ((hp - (dilation * (k - 1)) - 1) / stride) + 1, ow = ((wp - (dilation * (k - 1)) - 1) / stride) + 1;

        // The input zero-padded as the stage's map holds it, then NaN slack: a stride-2 load past the last row is discarded.
        float[] input = [.. Enumerable.Repeat(float.NaN, (c * hp * wp) + DepthwiseConv2dKernel.Slack)];
        Array.Clear(input, 0, c * hp * wp);
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                image.AsSpan(((ch * h) + y) * w, w).CopyTo(input.AsSpan((((ch * hp) + y + pad) * wp) + pad));
            }
        }

        // Output rows and planes with gaps, which stay NaN.
        int outRow = ow + 3, outPlane = (oh * outRow) + 5;
        float[] output = [.. Enumerable.Repeat(float.NaN, o * outPlane)];

        AtWidth.Once(width, new ImageCall(activation, input, wp, hp * wp, weight, bias, m, k, stride, dilation, output, outRow, outPlane, oh, ow));

        double[] conv = DoubleReferenceB.Conv2d(
            KernelData.ToDouble(image), [1, c, h, w], KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, (k, k), (stride, stride), (pad, pad), (dilation, dilation), c, out _);
        float[] expected = [.. Enumerable.Repeat(float.NaN, o * outPlane)];
        for (int f = 0; f < o; f++)
        {
            for (int y = 0; y < oh; y++)
            {
                for (int x = 0; x < ow; x++)
                {
                    expected[(f * outPlane) + (y * outRow) + x] = (float)NaiveActivations.Apply(activation, conv[(((f * oh) + y) * ow) + x]);
                }
            }
        }

        output.Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}×{m}, {h}×{w}, k {k}/{stride}, pad {pad}, dilation {dilation}, {activation}, width {width}");
    }

    [Theory]
    [InlineData(16, 6, 7, 7, 1)]
    [InlineData(16, 4, 14, 14, 2)]
    [InlineData(8, 3, 5, 9, 1)]
    [InlineData(8, 2, 2, 4, 1)]
    [InlineData(16, 3, 12, 8, 2)]
    [InlineData(4, 6, 7, 7, 1)]
    public void Image_ContiguousNarrowRows_SameBitsAsRowsApart(int width, int c, int h, int w, int stride)
    {
        // Output rows of 4 to 7 columns with nothing between them (mobilenet_v2's 7×7 maps): at 256 bits and up, every row
        // but the last is one 8-lane vector spilling into the next row. The same outputs, bit for bit, as with gaps between
        // the rows; nothing past the last plane is written.
        var random = new Random((c * 10) + h + w + stride);
        float[] image = KernelData.Uniform(random, c * h * w, 3f);
        float[] weight = KernelData.Uniform(random, c * 9, 1f);
        float[] bias = KernelData.Uniform(random, c);
        int hp = h + 2, wp = w + 2;
        int oh = ((hp - 3) / stride) + 1, ow = ((wp - 3) / stride) + 1;
        float[] input = new float[(c * hp * wp) + DepthwiseConv2dKernel.Slack];
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                image.AsSpan(((ch * h) + y) * w, w).CopyTo(input.AsSpan((((ch * hp) + y + 1) * wp) + 1));
            }
        }

        float[] contiguous = [.. Enumerable.Repeat(-9f, (c * oh * ow) + 8)];
        int outRow = ow + 3, outPlane = oh * outRow;
        float[] apart = new float[c * outPlane];

        AtWidth.Once(width, new ImageCall(NaiveActivations.Relu6, input, wp, hp * wp, weight, bias, 1, 3, stride, 1, contiguous, ow, oh * ow, oh, ow));
        AtWidth.Once(width, new ImageCall(NaiveActivations.Relu6, input, wp, hp * wp, weight, bias, 1, 3, stride, 1, apart, outRow, outPlane, oh, ow));

        float[] gathered = [.. Enumerable.Range(0, c * oh * ow).Select(i => apart[((i / (oh * ow)) * outPlane) + ((i / ow % oh) * outRow) + (i % ow)])];
        contiguous[..(c * oh * ow)].Select(BitConverter.SingleToInt32Bits).Should().Equal(gathered.Select(BitConverter.SingleToInt32Bits));
        contiguous[(c * oh * ow)..].Should().AllBeEquivalentTo(-9f, "the last row of the last plane does not spill");
        double[] conv = DoubleReferenceB.Conv2d(
            KernelData.ToDouble(image), [1, c, h, w], KernelData.ToDouble(weight), KernelData.ToDouble(bias), c, (3, 3), (stride, stride), (1, 1), (1, 1), c, out _);
        contiguous[..(c * oh * ow)].Should().BeCloseTo([.. conv.Select(v => (float)NaiveActivations.Apply(NaiveActivations.Relu6, v))], atol: 2e-5, rtol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Tile_EveryWidth_MatchesGroupedConvolutionFormula(int width, int c, int m, int h, int w, int k, int stride, int pad, int dilation, string activation)
    {
        var random = new Random(c + (5 * m) + h + w + k + stride + pad + dilation);
        int o = c * m;
        int oh = ((h + (2 * pad) - (dilation * (k - 1)) - 1) / stride) + 1, ow = ((w + (2 * pad) - (dilation * (k - 1)) - 1) / stride) + 1;
        var inMap = new TileMap(c, h, w, pad);
        var outMap = new TileMap(o, oh, ow, 1);
        float[] images = KernelData.Uniform(random, L * inMap.Features, 3f);
        float[] weight = KernelData.Uniform(random, o * k * k, 1f);
        float[] bias = KernelData.Uniform(random, o);
        float[] input = KernelData.ToTile(images, L, inMap);
        float[] output = [.. Enumerable.Repeat(-7f, outMap.Length)];

        AtWidth.EveryLaneGroup(width, new TileCall(activation, input, inMap, weight, bias, output, outMap, m, k, stride, dilation));

        double[] conv = DoubleReferenceB.Conv2d(
            KernelData.ToDouble(images), [L, c, h, w], KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, (k, k), (stride, stride), (pad, pad), (dilation, dilation), c, out _);
        float[] expected = KernelData.ToTile([.. conv.Select(v => (float)NaiveActivations.Apply(activation, v))], L, outMap, fill: -7f);
        output.Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}×{m}, {h}×{w}, k {k}/{stride}, pad {pad}, dilation {dilation}, {activation}, width {width}");
    }

    private sealed record ImageCall(
        string Activation, float[] Input, int InRow, int InPlane, float[] Weight, float[] Bias, int Multiplier, int K, int Stride, int Dilation,
        float[] Output, int OutRow, int OutPlane, int OutHeight, int OutWidth) : ActivationCall(Activation)
    {
        protected override void Run<TOps, TVec, TAct>(int lane) =>
            DepthwiseConv2dKernel.Image<TOps, TVec, TAct>(
                Input, InRow, InPlane, Weight, Bias, Multiplier, K, Stride, Dilation, Output, OutRow, OutPlane, OutHeight, OutWidth, 0, Bias.Length);
    }

    private sealed record TileCall(
        string Activation, float[] Input, TileMap InMap, float[] Weight, float[] Bias, float[] Output, TileMap OutMap, int Multiplier, int K, int Stride, int Dilation)
        : ActivationCall(Activation)
    {
        protected override void Run<TOps, TVec, TAct>(int lane) =>
            DepthwiseConvTileKernel.Forward<TOps, TVec, TAct>(Input, InMap, Weight, Bias, Output, OutMap, Multiplier, K, Stride, Dilation, lane);
    }
}
