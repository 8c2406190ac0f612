using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

public class Conv2dKernelTests
{
    // (batch, in, out, height, width, kernel, stride, padding, bias): LeNet's layers, odd widths that leave
    // every vector tail, odd channel counts (the duplicated last channel), strides through im2col,
    // padding wider than half the kernel, 1×1 kernels, a batch of 33.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [1, 1, 6, 28, 28, 5, 1, 2, true],
        [2, 6, 16, 14, 14, 5, 1, 0, true],
        [3, 2, 3, 7, 9, 3, 1, 1, false],
        [1, 3, 4, 8, 8, 3, 2, 1, true],
        [2, 1, 2, 11, 6, 4, 3, 0, true],
        [1, 17, 5, 5, 5, 5, 1, 0, true],
        [1, 2, 7, 3, 4, 2, 2, 3, true],
        [5, 3, 1, 6, 7, 1, 1, 0, true],
        [1, 5, 17, 9, 13, 3, 1, 2, false],
        [33, 1, 2, 5, 6, 2, 1, 1, true],
        [2, 4, 9, 1, 37, 1, 1, 0, true],
        [1, 1, 1, 40, 33, 3, 1, 0, true],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_EveryWidth_MatchesNaiveReference(int width, int n, int c, int o, int h, int w, int k, int s, int p, bool bias)
    {
        var random = new Random(97 + n + c + o + h + w + k + s + p);
        Tensor input = Arrays.Random(random, n, c, h, w);
        Tensor weight = Arrays.Random(random, o, c, k, k);
        Tensor? b = bias ? Arrays.Random(random, o) : null;
        int oh = ((h + (2 * p) - k) / s) + 1, ow = ((w + (2 * p) - k) / s) + 1;
        var output = new Tensor(n, o, oh, ow);

        Conv2dKernel.Forward(input.AsSpan(), weight.AsSpan(), b is null ? default : b.AsSpan(), output.AsSpan(), new ConvGeometry(n, c, h, w, o, k, s, p, oh, ow), (SimdWidth)width);

        float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(input), Arrays.To4D(weight), b?.ToArray(), s, p);
        output.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Forward_ChannelCounts1To17_MatchNaiveReference(int width)
    {
        var random = new Random(5);
        for (int c = 1; c <= 17; c++)
        {
            int o = 18 - c;
            Tensor input = Arrays.Random(random, 2, c, 5, 7);
            Tensor weight = Arrays.Random(random, o, c, 3, 3);
            Tensor bias = Arrays.Random(random, o);
            var output = new Tensor(2, o, 5, 7);

            Conv2dKernel.Forward(input.AsSpan(), weight.AsSpan(), bias.AsSpan(), output.AsSpan(), new ConvGeometry(2, c, 5, 7, o, 3, 1, 1, 5, 7), (SimdWidth)width);

            float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(input), Arrays.To4D(weight), bias.ToArray(), 1, 1);
            output.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5, because: $"{c} input and {o} output channels");
        }
    }
}
