using LeNet.Kernels;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

public class PoolKernelTests
{
    // (batch, channels, height, width, kernel, stride): the 2×2/2 de-interleave with every output-width
    // tail, stride 1 (shifted loads), other strides (scalar horizontal pass), windows taller than wide rows.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [1, 6, 28, 28, 2, 2],
        [2, 16, 10, 10, 2, 2],
        [3, 2, 7, 9, 2, 2],
        [1, 1, 4, 65, 2, 2],
        [2, 3, 5, 37, 3, 1],
        [1, 2, 9, 19, 3, 2],
        [33, 1, 3, 5, 3, 3],
        [1, 17, 6, 6, 1, 1],
        [1, 1, 8, 40, 4, 1],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void AverageForward_EveryWidth_MatchesNaiveReference(int width, int n, int c, int h, int w, int k, int s)
    {
        (Tensor input, Tensor output, ConvGeometry g) = Setup(n, c, h, w, k, s);

        PoolKernel.Forward<AveragePool>(input.AsSpan(), output.AsSpan(), g, (SimdWidth)width);

        output.ToArray().Should().BeCloseTo(Arrays.Flat(NaiveLayers.AvgPool2d(Arrays.To4D(input), k, s)), atol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void MaxForward_EveryWidth_MatchesNaiveReference(int width, int n, int c, int h, int w, int k, int s)
    {
        (Tensor input, Tensor output, ConvGeometry g) = Setup(n, c, h, w, k, s);

        PoolKernel.Forward<MaxPool>(input.AsSpan(), output.AsSpan(), g, (SimdWidth)width);

        output.ToArray().Should().Equal(Arrays.Flat(NaiveLayers.MaxPool2d(Arrays.To4D(input), k, s)));
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void MaxForward_NaNAnywhereInAWindow_PropagatesAtEveryWidth(int width)
    {
        // One NaN per position of a 2×2 window, in windows that land in the vector body and in the tail.
        for (int position = 0; position < 40 * 2; position++)
        {
            var input = new Tensor(1, 1, 2, 40);
            input.AsSpan().Fill(1f);
            input.AsSpan()[position] = float.NaN;
            var output = new Tensor(1, 1, 1, 20);

            PoolKernel.Forward<MaxPool>(input.AsSpan(), output.AsSpan(), new ConvGeometry(1, 1, 2, 40, 1, 2, 2, 0, 1, 20), (SimdWidth)width);

            float[] values = output.ToArray();
            int window = (position % 40) / 2;
            values.Select(float.IsNaN).Should().Equal(Enumerable.Range(0, 20).Select(x => x == window), because: $"the NaN is at {position}");
        }
    }

    private static (Tensor Input, Tensor Output, ConvGeometry Geometry) Setup(int n, int c, int h, int w, int k, int s)
    {
        Tensor input = Arrays.Random(new Random(11 + n + c + h + w + k + s), n, c, h, w);
        int oh = ((h - k) / s) + 1, ow = ((w - k) / s) + 1;
        return (input, new Tensor(n, c, oh, ow), new ConvGeometry(n, c, h, w, c, k, s, 0, oh, ow));
    }
}
