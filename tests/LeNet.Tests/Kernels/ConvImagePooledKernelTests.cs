using LeNet.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// One image's stride-1 convolution vectorized over pixels with its fused 2×2/2 pool
/// (<see cref="ConvImageKernel.Pooled"/>, the batch-1 path of LeNet's first convolution), against the
/// convolution formula, the activation and the pool written out in double, at every width.
/// </summary>
public class ConvImagePooledKernelTests
{
    // (in, out, height, width, kernel, padding, extra row stride, extra plane stride, activation, max):
    // LeNet's conv1 (1→6, padded: two channel triples at 512 bits, three pairs below); 1, 2, 3, 5, 7 and 8
    // channels (a lone channel, pairs, a triple with a pair or a lone channel after it); a pooled row longer
    // than one vector (40 columns); an odd-size conv output; output planes with gaps after each row and plane.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [1, 6, 28, 28, 5, 2, 0, 0, NaiveActivations.Sigmoid, false],
        [1, 6, 28, 28, 5, 2, 0, 0, NaiveActivations.Relu, true],
        [2, 1, 9, 9, 3, 0, 0, 0, NaiveActivations.Identity, false],
        [3, 2, 8, 11, 3, 1, 2, 1, NaiveActivations.Relu, false],
        [2, 3, 7, 7, 2, 0, 0, 3, NaiveActivations.Sigmoid, true],
        [1, 5, 12, 84, 5, 2, 1, 0, NaiveActivations.Sigmoid, false],
        [4, 7, 6, 9, 3, 1, 0, 2, NaiveActivations.Identity, true],
        [2, 8, 10, 10, 3, 0, 3, 3, NaiveActivations.Relu, false],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Pooled_EveryWidth_MatchesConvolutionActivationAndPool(
        int width, int c, int o, int h, int w, int k, int padding, int rowExtra, int planeExtra, string activation, bool max)
    {
        var random = new Random(c + (7 * o) + h + w + k + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        int oh = h + (2 * padding) - k + 1, ow = w + (2 * padding) - k + 1;
        int ph = oh / 2, pw = ow / 2;
        int rowStride = pw + rowExtra, planeStride = (ph * rowStride) + planeExtra;
        var plan = new ConvImagePlan(new ConvGeometry(1, c, h, w, o, k, 1, padding, oh, ow));
        var source = new float[plan.SourceLength];
        ConvImageKernel.Pad(image, source, plan);
        float[] output = [.. Enumerable.Repeat(float.NaN, o * planeStride)];

        AtWidth.Once(width, new Call(activation, max, weight, bias, plan.Offsets, source, plan.PaddedWidth, output, rowStride, planeStride, ph, pw));

        // pooled[f, py, px] = avg or max over the window (2py + u, 2px + v), u, v ∈ {0, 1}, of act(conv[f]); gaps stay NaN.
        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, k, 1, padding);
        float[] expected = NaiveActivations.Pooled(conv, o, oh, ow, activation, max, rowStride, planeStride);

        output.Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}→{o}, {h}×{w}, k {k}, padding {padding}, width {width}");
    }

    private sealed record Call(
        string Activation, bool Max, float[] Weight, float[] Bias, int[] Offsets, float[] Source, int RowStride,
        float[] Output, int OutRowStride, int OutPlaneStride, int PooledHeight, int PooledWidth) : PooledCall(Activation, Max)
    {
        protected override void Run<TOps, TVec, TAct, TPool>()
        {
            var lanes = new float[16];
            ConvImageKernel.Pooled<TOps, TVec, TAct, TPool>(Weight, Bias, Offsets, Source, RowStride, Output, OutRowStride, OutPlaneStride, PooledHeight, PooledWidth, lanes);
        }
    }
}
