using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// One image's convolution as the packed-panel GEMM (<see cref="ConvGemmKernel"/>, the compiled stages'
/// image path), against the convolution formula and the activation written out in double, at every
/// width; and split into parts (as both cores run it), the same bits as in one part.
/// </summary>
public class ConvGemmKernelTests
{
    // (in, out, height, width, kernel, stride, padding, activation): odd channel counts (a last panel of 1..5
    // channels), 1×1 as a plain GEMM, strided 1×1 (resnet's downsample), 3×3 at strides 1 and 2, a 7×7/2
    // stem with padding 3, a lone channel, 270 and 360 taps (past one 256-tap cache block), and pixel counts
    // that leave a tail of 1, 2 or 3 vectors at 512 bits.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [3, 7, 9, 11, 3, 1, 1, NaiveActivations.Relu],
        [5, 13, 10, 10, 1, 1, 0, NaiveActivations.Identity],
        [4, 6, 13, 13, 1, 2, 0, NaiveActivations.Identity],
        [3, 8, 23, 23, 7, 2, 3, NaiveActivations.Relu],
        [7, 5, 12, 9, 3, 2, 1, NaiveActivations.Sigmoid],
        [30, 11, 7, 7, 3, 1, 1, NaiveActivations.Relu],
        [1, 1, 5, 5, 3, 1, 0, NaiveActivations.Identity],
        [40, 17, 8, 8, 3, 1, 1, NaiveActivations.Sigmoid],
        [2, 12, 17, 3, 3, 1, 1, NaiveActivations.Relu],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Run_EveryWidth_MatchesConvolutionAndActivation(int width, int c, int o, int h, int w, int k, int stride, int padding, string activation)
    {
        var random = new Random(c + (7 * o) + h + w + k + stride + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        Setup setup = Prepare(image, weight, bias, c, o, h, w, k, stride, padding);

        AtWidth.Once(width, new Call(activation, setup, 0, 1));

        // conv[f, y, x] = bias[f] + Σ_{c,i,j} weight[f, c, i, j] · image[c, y·s + i − p, x·s + j − p] (zero outside), then act.
        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, k, stride, padding);
        float[] expected = [.. conv.Select(v => (float)NaiveActivations.Apply(activation, v))];
        setup.Interior().Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}→{o}, {h}×{w}, k {k}, stride {stride}, padding {padding}, width {width}");
    }

    [Theory]
    [InlineData(16, 2)]
    [InlineData(16, 3)]
    [InlineData(16, 4)]
    [InlineData(8, 4)]
    [InlineData(8, 7)]
    [InlineData(4, 5)]
    [InlineData(1, 2)]
    public void Run_SplitIntoParts_SameBitsAsOnePart(int width, int parts)
    {
        // 300 taps (two cache blocks); 14×14 gives 4 pixel blocks at 512 bits (split by pixels up to 4 parts,
        // by channel panels beyond), 28 at 256 bits.
        int c = 20, o = 23, h = 14, w = 14, k = 3;
        var random = new Random(parts);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        Setup whole = Prepare(image, weight, bias, c, o, h, w, k, 1, 1);
        Setup split = Prepare(image, weight, bias, c, o, h, w, k, 1, 1);

        AtWidth.Once(width, new Call(NaiveActivations.Relu, whole, 0, 1));
        for (int part = parts - 1; part >= 0; part--)
        {
            AtWidth.Once(width, new Call(NaiveActivations.Relu, split, part, parts));
        }

        split.Interior().Select(BitConverter.SingleToInt32Bits).Should().Equal(whole.Interior().Select(BitConverter.SingleToInt32Bits));
    }

    // (in, out, height, width, kernel, stride, activation) of the direct destination (a pad-0 map written by the GEMM
    // itself): 1×1 stride 1 with K = 1, 16, 48, 513 (past two 256-tap cache blocks), O = 1, 7 (a last panel of 1), 16,
    // 64 and 1000 (squeezenet's classifier); maps of 169 pixels (512 bits: 4 + 4 + 3 vectors, the last partial), 55²
    // (3025: a 1-float tail), 7² (a lone partial vector), 1×17 and 6×6 (whole vectors at 128 and 256 bits, a partial
    // one at 512); im2col at stride 2 (its rows are the map's rows too); every activation.
    public static IEnumerable<object[]> DirectConfigurations => KernelWidths.Cross(
    [
        [1, 7, 13, 13, 1, 1, NaiveActivations.Relu],
        [16, 64, 55, 55, 1, 1, NaiveActivations.Relu],
        [48, 1, 7, 7, 1, 1, NaiveActivations.Identity],
        [513, 16, 7, 7, 1, 1, NaiveActivations.Relu6],
        [16, 1000, 13, 13, 1, 1, NaiveActivations.Relu],
        [300, 13, 1, 17, 1, 1, NaiveActivations.Hardswish],
        [32, 11, 6, 6, 1, 1, NaiveActivations.Hardsigmoid],
        [16, 7, 6, 6, 1, 1, NaiveActivations.Sigmoid],
        [5, 13, 11, 11, 3, 2, NaiveActivations.Relu],
        [9, 8, 14, 14, 1, 2, NaiveActivations.Identity],
    ]);

    [Theory]
    [MemberData(nameof(DirectConfigurations))]
    public void Run_DirectMap_WritesEveryPixelOfTheMapAndNothingElse(int width, int c, int o, int h, int w, int k, int stride, string activation)
    {
        var random = new Random(c + (7 * o) + h + w + k + stride);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        Setup setup = Prepare(image, weight, bias, c, o, h, w, k, stride, 0);
        ConvGeometry g = setup.Plan.Geometry;
        int valid = g.OutHeight * g.OutWidth, at = 5;

        // The map is a channel slice at float 5 of a larger buffer, 9 floats before the next: every float around it keeps its sentinel.
        float[] buffer = [.. Enumerable.Repeat(-7.25f, at + (o * valid) + 9)];

        AtWidth.Once(width, new Call(activation, setup, 0, 1, buffer.AsMemory(at, o * valid), o, valid));

        // conv[f, y, x] = bias[f] + Σ_{c,i,j} weight[f, c, i, j] · image[c, y·s + i, x·s + j], then act.
        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, k, stride, 0);
        float[] expected = [.. conv.Select(v => (float)NaiveActivations.Apply(activation, v))];
        buffer[at..(at + (o * valid))].Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: $"{c}→{o}, {h}×{w}, k {k}, stride {stride}, width {width}");
        buffer[..at].Concat(buffer[(at + (o * valid))..]).Should().AllBeEquivalentTo(-7.25f, because: "nothing outside the map is written");
    }

    [Theory]
    [InlineData(16, 2)]
    [InlineData(16, 3)]
    [InlineData(8, 4)]
    [InlineData(4, 5)]
    [InlineData(1, 3)]
    public void Run_DirectMapSplitIntoParts_SameBitsAsOnePart(int width, int parts)
    {
        // 1×1, 300 taps (two cache blocks), 13×13 (3 pixel blocks at 512 bits: split by panels beyond 3 parts), 23 channels.
        int c = 300, o = 23, h = 13, w = 13;
        var random = new Random(parts);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c, 1f / MathF.Sqrt(c));
        float[] bias = KernelData.Uniform(random, o);
        Setup whole = Prepare(image, weight, bias, c, o, h, w, 1, 1, 0);
        Setup split = Prepare(image, weight, bias, c, o, h, w, 1, 1, 0);
        float[] one = new float[o * h * w], many = new float[o * h * w];

        AtWidth.Once(width, new Call(NaiveActivations.Relu, whole, 0, 1, one, o, h * w));
        for (int part = parts - 1; part >= 0; part--)
        {
            AtWidth.Once(width, new Call(NaiveActivations.Relu, split, part, parts, many, o, h * w));
        }

        many.Select(BitConverter.SingleToInt32Bits).Should().Equal(one.Select(BitConverter.SingleToInt32Bits));
    }

    private static Setup Prepare(float[] image, float[] weight, float[] bias, int c, int o, int h, int w, int k, int stride, int padding)
    {
        int oh = ((h + (2 * padding) - k) / stride) + 1, ow = ((w + (2 * padding) - k) / stride) + 1;
        var plan = new ConvImagePlan(new ConvGeometry(1, c, h, w, o, k, stride, padding, oh, ow));
        var source = new float[plan.SourceLength];
        ConvImageKernel.Pad(image, source, plan);
        if (plan.UsesColumns)
        {
            var columns = new float[plan.ColumnsLength];
            ConvImageKernel.Im2Col(source, columns, plan);
            source = columns;
        }

        float[] output = [.. Enumerable.Repeat(float.NaN, ConvGemmKernel.OutputLength(o, plan.Pixels))];
        return new Setup(plan, ConvGemmPacking.PackWeights(weight, o, c * k * k), ConvGemmPacking.PackBias(bias, o), source, output);
    }

    private sealed record Setup(ConvImagePlan Plan, float[] Packed, float[] Bias, float[] Source, float[] Output)
    {
        /// <summary>The output pixels [O, OH, OW] out of the GEMM's [O, pixels] grid (rows RowStride apart).</summary>
        public float[] Interior()
        {
            ConvGeometry g = Plan.Geometry;
            var interior = new float[g.OutChannels * g.OutHeight * g.OutWidth];
            for (int f = 0; f < g.OutChannels; f++)
            {
                for (int y = 0; y < g.OutHeight; y++)
                {
                    Output.AsSpan((f * Plan.Pixels) + (y * Plan.RowStride), g.OutWidth).CopyTo(interior.AsSpan(((f * g.OutHeight) + y) * g.OutWidth));
                }
            }

            return interior;
        }
    }

    private sealed record Call(string Activation, Setup Setup, int Part, int Parts, Memory<float> Direct = default, int Channels = 0, int Valid = 0) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            switch (Activation)
            {
                case NaiveActivations.Sigmoid:
                    Run<TOps, TVec, SigmoidActivation>();
                    break;
                case NaiveActivations.Relu:
                    Run<TOps, TVec, ReluActivation>();
                    break;
                case NaiveActivations.Relu6:
                    Run<TOps, TVec, Relu6Activation>();
                    break;
                case NaiveActivations.Hardswish:
                    Run<TOps, TVec, HardswishActivation>();
                    break;
                case NaiveActivations.Hardsigmoid:
                    Run<TOps, TVec, HardsigmoidActivation>();
                    break;
                default:
                    Run<TOps, TVec, NoActivation>();
                    break;
            }
        }

        private void Run<TOps, TVec, TAct>()
            where TOps : ISimdOps<TVec>
            where TVec : struct
            where TAct : IActivation
            => ConvGemmKernel.Run<TOps, TVec, TAct>(Setup.Packed, Setup.Bias, Setup.Plan.Offsets, Setup.Source, Setup.Output, Setup.Plan.Pixels, Part, Parts, Direct.Span, Channels, Valid);
    }
}
