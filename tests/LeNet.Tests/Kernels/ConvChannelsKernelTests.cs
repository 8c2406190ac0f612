using LeNet.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// One image's convolution vectorized over output channels with its fused 2×2/2 pool, against the
/// convolution formula, the activation and the pool written out in double, at every width.
/// </summary>
public class ConvChannelsKernelTests
{
    // (in, out, height, width, kernel, stride, padding, extra row stride, extra plane stride, activation, max):
    // LeNet's conv2 (6→16) and conv1 (1→6, padded); 17 and 33 channels (a channel vector past 16, an odd
    // job count at 512 bits); stride 2; a conv output of odd size (its last row and column are pooled by no
    // window); output planes with gaps after each row and each plane; 64 and 40 channels (8 and 5 vectors of 8:
    // the 16-register blocks of 3 vectors, then 2).
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [6, 16, 14, 14, 5, 1, 0, 0, 0, NaiveActivations.Sigmoid, false],
        [1, 6, 28, 28, 5, 1, 2, 0, 0, NaiveActivations.Relu, true],
        [3, 17, 9, 8, 3, 1, 1, 3, 5, NaiveActivations.Sigmoid, true],
        [2, 33, 11, 11, 3, 2, 1, 1, 0, NaiveActivations.Identity, false],
        [1, 1, 5, 5, 2, 1, 0, 0, 2, NaiveActivations.Identity, true],
        [5, 7, 7, 6, 3, 1, 0, 2, 1, NaiveActivations.Relu, false],
        [4, 64, 10, 10, 3, 1, 0, 0, 0, NaiveActivations.Relu, true],
        [3, 40, 6, 7, 3, 1, 1, 1, 2, NaiveActivations.Identity, false],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Pooled_EveryWidth_MatchesConvolutionActivationAndPool(
        int width, int c, int o, int h, int w, int k, int stride, int padding, int rowExtra, int planeExtra, string activation, bool max)
    {
        var random = new Random(c + (7 * o) + h + w + k + stride + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        int hp = h + (2 * padding), wp = w + (2 * padding);
        int oh = ((hp - k) / stride) + 1, ow = ((wp - k) / stride) + 1;
        int ph = oh / 2, pw = ow / 2;
        int rowStride = pw + rowExtra, planeStride = (ph * rowStride) + planeExtra;

        // The kernel takes the planes with the padding already in them.
        var padded = new float[c * hp * wp];
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    padded[(((ch * hp) + y + padding) * wp) + x + padding] = image[(((ch * h) + y) * w) + x];
                }
            }
        }

        var paddedBias = new float[ConvChannelsKernel.PaddedChannels(o)];
        bias.CopyTo(paddedBias, 0);
        float[] packed = ConvChannelsKernel.PackWeights(weight, o, c, k);
        float[] output = [.. Enumerable.Repeat(float.NaN, o * planeStride)];

        AtWidth.Once(width, new Call(activation, max, padded, hp, wp, c, k, stride, packed, paddedBias, o, ph, pw, output, rowStride, planeStride));

        // pooled[f, py, px] = avg or max over the window (2py + u, 2px + v), u, v ∈ {0, 1}, of act(conv[f]); gaps stay NaN.
        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, k, stride, padding);
        float[] expected = NaiveActivations.Pooled(conv, o, oh, ow, activation, max, rowStride, planeStride);

        output.Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}→{o}, {h}×{w}, k {k}, stride {stride}, padding {padding}");
    }

    private sealed record Call(
        string Activation, bool Max, float[] Input, int PaddedHeight, int PaddedWidth, int InChannels, int K, int Stride,
        float[] Packed, float[] Bias, int OutChannels, int PooledHeight, int PooledWidth, float[] Output, int RowStride, int PlaneStride) : PooledCall(Activation, Max)
    {
        protected override void Run<TOps, TVec, TAct, TPool>()
        {
            var lanes = new float[16];
            ConvChannelsKernel.Pooled<TOps, TVec, TAct, TPool>(
                Input, PaddedHeight, PaddedWidth, InChannels, K, Stride, Packed, Bias, OutChannels, PooledHeight, PooledWidth, Output, RowStride, PlaneStride, lanes);
        }
    }
}
