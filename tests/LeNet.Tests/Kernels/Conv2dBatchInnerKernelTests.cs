using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Conv2d's forward and backward through the tile kernels (<see cref="Conv2dBatchInnerKernel"/>) at every vector
/// width, against the convolution formula (forward) and its chain rule in double (backward): LeNet's conv1
/// and conv2, full and partial tiles, paddings 0 to k − 1, odd channel counts, kernels 1, 3 and 5, non-square
/// images; and the Conv2d layer that runs it, bit-identical whatever the thread count.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class Conv2dTiledKernelTests
{
    // (batch, in, out, height, width, kernel, padding, bias, input gradient): LeNet's conv1 (padded, d2l's
    // unpadded) and conv2 at one full tile; 37 images (two tiles and a partial one of 5) with odd channel
    // counts; kernel 3 with padding 2 (the widest below the kernel); a 1×1 kernel; no bias.
    private static readonly object[][] Rows =
    [
        [16, 1, 6, 28, 28, 5, 2, true, false],
        [16, 1, 6, 28, 28, 5, 0, true, false],
        [16, 6, 16, 12, 12, 5, 0, true, true],
        [37, 3, 5, 7, 9, 3, 1, true, true],
        [20, 2, 3, 6, 5, 3, 2, false, true],
        [17, 4, 7, 5, 6, 1, 0, true, true],
        [33, 5, 4, 9, 8, 5, 4, true, true],
    ];

    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(Rows);

    /// <summary>The rows without the input-gradient flag, which forward has no use for.</summary>
    public static IEnumerable<object[]> ForwardConfigurations => KernelWidths.Cross(Rows.Select(row => row[..^1]));

    [Theory]
    [MemberData(nameof(ForwardConfigurations))]
    public void Forward_EveryWidth_MatchesNaiveReference(int width, int n, int c, int o, int h, int w, int k, int p, bool bias)
    {
        var random = new Random(11 + n + c + o + h + w + k + p);
        Tensor input = Arrays.Random(random, n, c, h, w);
        Tensor weight = Arrays.Random(random, o, c, k, k);
        Tensor? b = bias ? Arrays.Random(random, o) : null;
        int oh = h + (2 * p) - k + 1, ow = w + (2 * p) - k + 1;
        float[] output = [.. Enumerable.Repeat(float.NaN, n * o * oh * ow)];
        var g = new ConvGeometry(n, c, h, w, o, k, 1, p, oh, ow);
        Conv2dBatchInnerKernel.Supports(g).Should().BeTrue();

        Conv2dBatchInnerKernel.Forward(input.AsSpan(), weight.AsSpan(), b is null ? default : b.AsSpan(), output, g, (SimdWidth)width);

        float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(input), Arrays.To4D(weight), b?.ToArray(), 1, p);
        output.Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5, because: $"n {n}, {c}→{o}, {h}×{w}, k {k}, padding {p}");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_EveryWidth_MatchesTheChainRule(int width, int n, int c, int o, int h, int w, int k, int p, bool bias, bool inputGradient)
    {
        var random = new Random(13 + n + c + o + h + w + k + p);
        int oh = h + (2 * p) - k + 1, ow = w + (2 * p) - k + 1;
        var g = new ConvGeometry(n, c, h, w, o, k, 1, p, oh, ow);
        float[] input = KernelData.Uniform(random, n * c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k);
        float[] outGrad = KernelData.Uniform(random, n * o * oh * ow);
        float[] weightGrad = KernelData.Uniform(random, weight.Length), initialWeightGrad = (float[])weightGrad.Clone();
        float[] biasGrad = KernelData.Uniform(random, o), initialBiasGrad = (float[])biasGrad.Clone();
        float[]? inGrad = inputGradient ? [.. Enumerable.Repeat(float.NaN, input.Length)] : null;

        Conv2dBatchInnerKernel.Backward(input, weight, outGrad, inGrad, weightGrad, bias ? biasGrad : null, g, new Conv2dBatchInnerWorkspace(), (SimdWidth)width);

        (double[] dx, double[] dw, double[] db) = NaiveGradients.Conv2d(
            KernelData.ToDouble(input), n, c, h, w, KernelData.ToDouble(weight), o, k, 1, p, KernelData.ToDouble(outGrad));
        string because = $"n {n}, {c}→{o}, {h}×{w}, k {k}, padding {p}";
        weightGrad.Should().BeCloseTo(Plus(initialWeightGrad, dw), atol: 1e-4, rtol: 1e-5, because: because);
        biasGrad.Should().BeCloseTo(bias ? Plus(initialBiasGrad, db) : initialBiasGrad, atol: 1e-4, rtol: 1e-5, because: because);
        inGrad?.Should().BeCloseTo(KernelData.ToFloat(dx), atol: 1e-5, rtol: 1e-5, because: because);
    }

    [Fact]
    public void Backward_WorkspaceReusedAcrossGeometriesAndBatches_StaysCorrect()
    {
        var workspace = new Conv2dBatchInnerWorkspace();
        foreach ((int n, int c, int o, int h, int k, int p) in new[] { (37, 3, 5, 7, 3, 1), (16, 1, 6, 28, 5, 2), (21, 3, 5, 7, 3, 1), (48, 3, 5, 7, 3, 1) })
        {
            var random = new Random(n + c + o);
            int oh = h + (2 * p) - k + 1;
            var g = new ConvGeometry(n, c, h, h, o, k, 1, p, oh, oh);
            float[] input = KernelData.Uniform(random, n * c * h * h);
            float[] weight = KernelData.Uniform(random, o * c * k * k);
            float[] bias = KernelData.Uniform(random, o);
            float[] outGrad = KernelData.Uniform(random, n * o * oh * oh);
            var output = new float[outGrad.Length];
            var inGrad = new float[input.Length];
            var weightGrad = new float[weight.Length];
            var biasGrad = new float[o];

            Conv2dBatchInnerKernel.Forward(input, weight, bias, output, g);
            Conv2dBatchInnerKernel.Backward(input, weight, outGrad, inGrad, weightGrad, biasGrad, g, workspace);

            float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(Tensor.FromArray(input, n, c, h, h)), Arrays.To4D(Tensor.FromArray(weight, o, c, k, k)), bias, 1, p);
            (double[] dx, double[] dw, double[] db) = NaiveGradients.Conv2d(
                KernelData.ToDouble(input), n, c, h, h, KernelData.ToDouble(weight), o, k, 1, p, KernelData.ToDouble(outGrad));
            string because = $"n {n}, {c}→{o}, k {k}, padding {p}";
            output.Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5, because: because);
            inGrad.Should().BeCloseTo(KernelData.ToFloat(dx), atol: 1e-5, rtol: 1e-5, because: because);
            weightGrad.Should().BeCloseTo(KernelData.ToFloat(dw), atol: 1e-4, rtol: 1e-5, because: because);
            biasGrad.Should().BeCloseTo(KernelData.ToFloat(db), atol: 1e-4, rtol: 1e-5, because: because);
        }
    }

    [Fact]
    public void Supports_StrideOnePaddingBelowTheKernelAndAFullTile_Only()
    {
        Conv2dBatchInnerKernel.Supports(new ConvGeometry(16, 1, 28, 28, 6, 5, 1, 4, 32, 32)).Should().BeTrue();
        Conv2dBatchInnerKernel.Supports(new ConvGeometry(15, 1, 28, 28, 6, 5, 1, 2, 28, 28)).Should().BeFalse("fewer images than a tile leave most lanes idle");
        Conv2dBatchInnerKernel.Supports(new ConvGeometry(16, 1, 28, 28, 6, 5, 2, 2, 14, 14)).Should().BeFalse("stride 2");
        Conv2dBatchInnerKernel.Supports(new ConvGeometry(16, 1, 28, 28, 6, 3, 1, 3, 32, 32)).Should().BeFalse("padding 3 with a 3×3 kernel");
        Conv2dBatchInnerKernel.SupportsForward(new ConvGeometry(16, 1, 28, 28, 6, 5, 2, 2, 14, 14)).Should().BeFalse("stride 2, forward too");
    }

    [Fact]
    public void Prefers_SixteenOrMoreInputChannels_LeavesThemToTheGemmKernels()
    {
        Conv2dBatchInnerKernel.Prefers(new ConvGeometry(128, 6, 14, 14, 16, 5, 1, 0, 10, 10)).Should().BeTrue("LeNet's conv2");
        Conv2dBatchInnerKernel.Prefers(new ConvGeometry(128, 16, 32, 32, 16, 3, 1, 1, 32, 32)).Should().BeFalse("ResNet-20's 16→16");
        Conv2dBatchInnerKernel.Supports(new ConvGeometry(128, 16, 32, 32, 16, 3, 1, 1, 32, 32)).Should().BeTrue("the kernel can, it is slower");
        Conv2dBatchInnerKernel.SupportsForward(new ConvGeometry(128, 16, 32, 32, 16, 3, 1, 1, 32, 32)).Should().BeFalse("forward too");
    }

    [Fact]
    public void Conv2dLayer_BatchOfTiles_MatchesReferenceAndIsBitIdenticalAcrossThreadCounts()
    {
        Tensor x = Arrays.Random(new Random(8), 40, 3, 9, 8);
        Tensor r = Arrays.Random(new Random(9), 40, 5, 9, 8);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(int threads)
        {
            int saved = Parallelism.MaxDegreeOfParallelism;
            Parallelism.MaxDegreeOfParallelism = threads;
            try
            {
                var conv = new Conv2d(3, 5, 3, padding: 1, random: new Random(4));
                Tensor y = conv.Forward(x);
                Tensor dx = conv.Backward(r);
                return (y.ToArray(), dx.ToArray(), conv.Weight.Gradient.ToArray(), conv.Bias!.Gradient.ToArray());
            }
            finally
            {
                Parallelism.MaxDegreeOfParallelism = saved;
            }
        }

        (float[] y1, float[] dx1, float[] dw1, float[] db1) = Run(1);
        (float[] y2, float[] dx2, float[] dw2, float[] db2) = Run(2);
        y2.Should().Equal(y1);
        dx2.Should().Equal(dx1);
        dw2.Should().Equal(dw1);
        db2.Should().Equal(db1);

        var reference = new Conv2d(3, 5, 3, padding: 1, random: new Random(4));
        float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(x), Arrays.To4D(reference.Weight.Value), reference.Bias!.Value.ToArray(), 1, 1);
        (double[] dx, double[] dw, double[] db) = NaiveGradients.Conv2d(
            x.ToDouble(), 40, 3, 9, 8, reference.Weight.Value.ToDouble(), 5, 3, 1, 1, r.ToDouble());
        y1.Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5);
        dx1.Should().BeCloseTo(KernelData.ToFloat(dx), atol: 1e-5, rtol: 1e-5);
        dw1.Should().BeCloseTo(KernelData.ToFloat(dw), atol: 1e-4, rtol: 1e-5);
        db1.Should().BeCloseTo(KernelData.ToFloat(db), atol: 1e-4, rtol: 1e-5);
    }

    [Fact]
    public void Conv2dLayer_EvaluationModeForwardFromManyThreadsWithMixedShapes_EveryAnswerCorrect()
    {
        // Evaluation-mode Forward is thread-safe: nothing of a call is shared with another (shapes differ, so would any cached layout).
        var conv = new Conv2d(3, 5, 3, padding: 1, random: new Random(6));
        conv.Eval();
        Tensor[] inputs = [Arrays.Random(new Random(1), 16, 3, 9, 8), Arrays.Random(new Random(2), 21, 3, 12, 12), Arrays.Random(new Random(3), 32, 3, 5, 7)];
        float[][] expected = [.. inputs.Select(x => Arrays.Flat(NaiveLayers.Conv2d(Arrays.To4D(x), Arrays.To4D(conv.Weight.Value), conv.Bias!.Value.ToArray(), 1, 1)))];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 60, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            float[] actual = conv.Forward(inputs[i % 3]).ToArray();
            for (int j = 0; j < actual.Length; j++)
            {
                if (Math.Abs(actual[j] - expected[i % 3][j]) > 1e-5)
                {
                    failures.Add($"call {i}, element {j}: {actual[j]} instead of {expected[i % 3][j]}");
                    return;
                }
            }
        });

        failures.Should().BeEmpty();
    }

    private static float[] Plus(float[] initial, double[] gradient) => [.. initial.Select((v, i) => (float)(v + gradient[i]))];
}
