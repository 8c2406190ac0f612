using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The direct strided convolution on few input channels (<see cref="ConvStemKernel"/>, the stems' image path)
/// against the convolution formula in double at every width; bit for bit against the GEMM path it replaces
/// (<see cref="ConvGemmKernel"/> on im2col, the same order of FMAs); and in parts of rows, the same bits as one part.
/// </summary>
public class ConvStemKernelTests
{
    // (in, out, height, width, kernel, stride, padding, activation): squeezenet's stem (3→64, 3×3/2, no padding,
    // odd output width), resnet's (7×7/2, padding 3), mobilenet_v2's (3×3/2, padding 1, even width), output
    // channels that leave a last block of 1–3, a lone input channel, 4 channels, stride 3, and rows whose output
    // width is below one vector, exactly one, or ends in a partial vector.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [3, 64, 23, 23, 3, 2, 0, NaiveActivations.Relu],
        [3, 8, 29, 21, 7, 2, 3, NaiveActivations.Relu],
        [3, 6, 32, 32, 3, 2, 1, NaiveActivations.Sigmoid],
        [1, 5, 9, 40, 3, 2, 1, NaiveActivations.Identity],
        [4, 7, 13, 50, 5, 3, 2, NaiveActivations.Relu],
        [2, 3, 5, 5, 3, 2, 0, NaiveActivations.Identity],
        [3, 4, 34, 34, 4, 2, 1, NaiveActivations.Relu],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Rows_EveryWidth_MatchesConvolutionAndActivation(int width, int c, int o, int h, int w, int k, int stride, int padding, string activation)
    {
        var random = new Random(c + (7 * o) + h + w + k + stride + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        var setup = new Setup(image, weight, bias, c, o, h, w, k, stride, padding);

        AtWidth.Once(width, new Call(activation, setup, 0, 1));

        // conv[f, y, x] = bias[f] + Σ_{c,i,j} weight[f, c, i, j] · image[c, y·s + i − p, x·s + j − p] (zero outside), then act.
        double[] conv = DoubleReference.Conv2d(KernelData.ToDouble(image), 1, c, h, w, KernelData.ToDouble(weight), KernelData.ToDouble(bias), o, k, stride, padding);
        float[] expected = [.. conv.Select(v => (float)NaiveActivations.Apply(activation, v))];
        string because = $"{c}→{o}, {h}×{w}, k {k}, stride {stride}, padding {padding}, width {width}";
        setup.Interior().Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5, because: because);
        setup.Border().Should().OnlyContain(v => float.IsNaN(v), "nothing is written outside the map's interior ({0})", because);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Rows_EveryWidth_SameBitsAsTheGemmOnIm2Col(int width, int c, int o, int h, int w, int k, int stride, int padding, string activation)
    {
        var random = new Random(c + o + h + w + k + stride + padding);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        var setup = new Setup(image, weight, bias, c, o, h, w, k, stride, padding);

        AtWidth.Once(width, new Call(activation, setup, 0, 1));
        AtWidth.Once(width, new GemmCall(activation, setup));

        setup.Interior().Select(BitConverter.SingleToInt32Bits).Should().Equal(setup.GemmInterior().Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(16, 2)]
    [InlineData(16, 5)]
    [InlineData(8, 3)]
    [InlineData(4, 4)]
    [InlineData(1, 7)]
    public void Rows_InParts_SameBitsAsOnePart(int width, int parts)
    {
        int c = 3, o = 10, h = 31, w = 45, k = 3;
        var random = new Random(parts);
        float[] image = KernelData.Uniform(random, c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k, 1f / MathF.Sqrt(c * k * k));
        float[] bias = KernelData.Uniform(random, o);
        var whole = new Setup(image, weight, bias, c, o, h, w, k, 2, 1);
        var split = new Setup(image, weight, bias, c, o, h, w, k, 2, 1);

        AtWidth.Once(width, new Call(NaiveActivations.Relu, whole, 0, 1));
        for (int part = parts - 1; part >= 0; part--)
        {
            AtWidth.Once(width, new Call(NaiveActivations.Relu, split, part, parts));
        }

        split.Interior().Select(BitConverter.SingleToInt32Bits).Should().Equal(whole.Interior().Select(BitConverter.SingleToInt32Bits));
    }

    /// <summary>One convolution: the padded input, its phases (NaN-filled before the split, so a read of an unsplit element shows), the packed weights and a NaN-filled output map with a border of 1.</summary>
    private sealed class Setup
    {
        private const int Margin = 1;

        public Setup(float[] image, float[] weight, float[] bias, int c, int o, int h, int w, int k, int stride, int padding)
        {
            int oh = ((h + (2 * padding) - k) / stride) + 1, ow = ((w + (2 * padding) - k) / stride) + 1;
            Geometry = new ConvGeometry(1, c, h, w, o, k, stride, padding, oh, ow);
            Plan = new ConvStemPlan(Geometry);
            Image = new ConvImagePlan(Geometry);
            Padded = new float[Image.SourceLength];
            ConvImageKernel.Pad(image, Padded, Image);
            Phases = [.. Enumerable.Repeat(float.NaN, Plan.PhasesLength)];
            Packed = ConvStemKernel.PackWeights(weight, o, c * k * k);
            Weight = weight;
            Bias = bias;
            Output = [.. Enumerable.Repeat(float.NaN, o * (oh + (2 * Margin)) * (ow + (2 * Margin)))];
        }

        public ConvGeometry Geometry { get; }

        public ConvStemPlan Plan { get; }

        public ConvImagePlan Image { get; }

        public float[] Padded { get; }

        public float[] Phases { get; }

        public float[] Packed { get; }

        public float[] Weight { get; }

        public float[] Bias { get; }

        public float[] Output { get; }

        public float[]? Gemm { get; set; }

        public int OutRow => Geometry.OutWidth + (2 * Margin);

        public int OutPlane => (Geometry.OutHeight + (2 * Margin)) * OutRow;

        /// <summary>The output map from its interior's first element.</summary>
        public Span<float> Interior0 => Output.AsSpan((Margin * OutRow) + Margin);

        public float[] Interior() => Select(inside: true);

        public float[] Border() => Select(inside: false);

        /// <summary>The GEMM path's output [O, OH, OW] out of its [O, pixels] grid.</summary>
        public float[] GemmInterior()
        {
            ConvGeometry g = Geometry;
            var interior = new float[g.OutChannels * g.OutHeight * g.OutWidth];
            for (int f = 0; f < g.OutChannels; f++)
            {
                for (int y = 0; y < g.OutHeight; y++)
                {
                    Gemm.AsSpan((f * Image.Pixels) + (y * Image.RowStride), g.OutWidth).CopyTo(interior.AsSpan(((f * g.OutHeight) + y) * g.OutWidth));
                }
            }

            return interior;
        }

        private float[] Select(bool inside)
        {
            var values = new List<float>();
            for (int f = 0; f < Geometry.OutChannels; f++)
            {
                for (int y = 0; y < Geometry.OutHeight + (2 * Margin); y++)
                {
                    for (int x = 0; x < OutRow; x++)
                    {
                        bool interior = y >= Margin && y < Geometry.OutHeight + Margin && x >= Margin && x < Geometry.OutWidth + Margin;
                        if (interior == inside)
                        {
                            values.Add(Output[(f * OutPlane) + (y * OutRow) + x]);
                        }
                    }
                }
            }

            return [.. values];
        }
    }

    private sealed record Call(string Activation, Setup Setup, int Part, int Parts) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            // Each part splits its share of the input rows first (as the stage does, in a phase of its own).
            int rows = Setup.Geometry.InChannels * Setup.Plan.PaddedHeight;
            int first = rows * Part / Parts;
            ConvStemKernel.SplitPhases<TOps, TVec>(Setup.Plan, Setup.Padded, Setup.Phases, first, (rows * (Part + 1) / Parts) - first);
            if (Part != 0)
            {
                return;
            }

            // The output rows once every part's phases are in (part 0 runs last in the tests): all the parts of the rows.
            for (int part = 0; part < Parts; part++)
            {
                int height = Setup.Geometry.OutHeight;
                int y0 = height * part / Parts;
                switch (Activation)
                {
                    case NaiveActivations.Sigmoid:
                        Rows<TOps, TVec, SigmoidActivation>(y0, (height * (part + 1) / Parts) - y0);
                        break;
                    case NaiveActivations.Relu:
                        Rows<TOps, TVec, ReluActivation>(y0, (height * (part + 1) / Parts) - y0);
                        break;
                    default:
                        Rows<TOps, TVec, NoActivation>(y0, (height * (part + 1) / Parts) - y0);
                        break;
                }
            }
        }

        private void Rows<TOps, TVec, TAct>(int first, int count)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            where TAct : IActivation
            => ConvStemKernel.Rows<TOps, TVec, TAct>(Setup.Plan, Setup.Packed, Setup.Bias, Setup.Phases, Setup.Interior0, Setup.OutRow, Setup.OutPlane, first, count);
    }

    private sealed record GemmCall(string Activation, Setup Setup) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            ConvImagePlan plan = Setup.Image;
            var columns = new float[plan.ColumnsLength];
            ConvImageKernel.Im2Col(Setup.Padded, columns, plan);
            int o = Setup.Geometry.OutChannels;
            Setup.Gemm = new float[ConvGemmKernel.OutputLength(o, plan.Pixels)];
            float[] packed = ConvGemmPacking.PackWeights(Setup.Weight, o, plan.Offsets.Length);
            float[] bias = ConvGemmPacking.PackBias(Setup.Bias, o);
            switch (Activation)
            {
                case NaiveActivations.Sigmoid:
                    ConvGemmKernel.Run<TOps, TVec, SigmoidActivation>(packed, bias, plan.Offsets, columns, Setup.Gemm, plan.Pixels, 0, 1);
                    break;
                case NaiveActivations.Relu:
                    ConvGemmKernel.Run<TOps, TVec, ReluActivation>(packed, bias, plan.Offsets, columns, Setup.Gemm, plan.Pixels, 0, 1);
                    break;
                default:
                    ConvGemmKernel.Run<TOps, TVec, NoActivation>(packed, bias, plan.Offsets, columns, Setup.Gemm, plan.Pixels, 0, 1);
                    break;
            }
        }
    }
}
