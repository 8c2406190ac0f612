using LeNet.Compiler;
using LeNet.Graphs;
using LeNet.Inference;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Inference;

/// <summary>
/// The depthwise stage and the mobile activations in the compiled plan: MobileNet's inverted residual (1×1 expand,
/// BatchNorm, ReLU6; depthwise 3×3, BatchNorm, ReLU6 or Hardswish; 1×1 project, BatchNorm) against the layers at
/// batch sizes that take the single-image path and the tile path, the same bits on any thread count, and
/// mobilenet_v2's plan running in far fewer steps.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class DepthwiseStageTests
{
    private static readonly int[] ThreadCounts = [1, 2, 3, 7];

    [Theory]
    [InlineData(1, "relu6", 13)]
    [InlineData(2, "relu6", 13)]
    [InlineData(2, "hardswish", 12)]
    [InlineData(1, "hardsigmoid", 9)]
    public void Forward_InvertedResidual_CompilesToStagesAndMatchesTheLayers(int stride, string activation, int size)
    {
        var random = new Random((stride * 10) + size);
        Sequential net = InvertedResidual(4, 12, 6, stride, activation, random);

        StageCompiler compiled = StageCompiler.Compile(net, [4, size, size], training: false);

        compiled.Unsupported.Should().BeNull();
        compiled.Specs.Select(s => s.GetType().Name).Should().Equal(nameof(ConvStageSpec), nameof(DepthwiseConvStageSpec), nameof(ConvStageSpec));
        foreach (int n in new[] { 1, 2, 5, 16, 17 })
        {
            Tensor x = Arrays.Random(random, n, 4, size, size);

            Tensor fused = net.Forward(x);

            fused.ToArray().Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 2e-5, rtol: 1e-5, because: $"batch {n}, stride {stride}, {activation}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Predict_SplitDepthwise_AnyThreadCount_BitIdenticalAndMatchesLayers(int batch)
    {
        // 48 channels of 34×34 at 3×3: 0.5 M multiply-adds per image, enough to split one image's channels across threads.
        var random = new Random(11);
        Sequential net = InvertedResidual(8, 48, 8, 1, "relu6", random);
        var predictor = new Predictor(net, 8, 34, 34);
        Tensor images = Arrays.Random(new Random(9), batch, 8, 34, 34);

        List<float[]> results = ForEachThreadCount(() => predictor.Predict(images).ToArray());

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        results[0].Should().BeCloseTo(net.ForwardLayers(images).ToArray(), atol: 2e-5, rtol: 1e-5);
    }

    [Fact]
    public void Plan_MobileNetV2_EveryLayerInACompiledSegment()
    {
        // mobilenet_v2's features are 52 convolutions with their BatchNorms and ReLU6s; before the depthwise stage each of
        // the 17 depthwise convolutions split its chain and ran on its own, with the BatchNorm and ReLU6 after it.
        Module model = TorchVision.MobileNetV2(10);
        model.Eval();
        Tensor x = Arrays.Random(new Random(5), 1, 3, 64, 64);
        float[] eager = model.Record(x, RecordingMode.Trace).Output!.ToArray();

        model.Forward(x);
        float[] planned = model.Forward(x).ToArray();

        GraphPlan plan = model.Plans!.PlanFor(1, 3, 64, 64)!;
        plan.Segments.SelectMany(s => StageCompiler.Leaves(s.Segment)).Count(leaf => leaf.Layer is Conv2d { Groups: > 1 })
            .Should().Be(17, "every depthwise convolution runs inside a compiled segment");
        plan.CompiledSteps.Should().Be(17);
        (plan.StepCount - plan.CompiledSteps).Should().Be(1, "the flatten is the only other step: no layer runs on its own (the global average pool joins the last segment) and the 10 residual adds run in their segments' epilogues");
        planned.Should().BeCloseTo(eager, 1e-4, 1e-4);
    }

    [Fact]
    public void Forward_MobileNetV2_EverySegmentRunsItsCompiledEngine()
    {
        // torchvision's MobileNetV2.forward calls F.adaptive_avg_pool2d: a pool layer made by the trace, in training mode.
        // The last segment (the last block, the 1280-channel convolution and that pool) ran layer by layer because of it.
        Module model = TorchVision.MobileNetV2(10);
        model.Eval();
        Tensor x = Arrays.Random(new Random(6), 1, 3, 32, 32);
        model.Forward(x);

        float[] planned = model.Forward(x).ToArray();

        GraphPlan plan = model.Plans!.PlanFor(1, 3, 32, 32)!;
        plan.Segments.Select(s => s.Segment.Engine?.Compilations ?? 0).Should().AllSatisfy(c => c.Should().BePositive("every segment runs its compiled stages"));
        planned.Should().BeCloseTo(model.Record(x, RecordingMode.Trace).Output!.ToArray(), 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(19)]
    [InlineData(8)]
    public void Forward_ResNetStemAndHead_CompileToStagesAndMatchTheLayers(int size)
    {
        // resnet's stem (7×7/2 convolution, BatchNorm, 3×3/2 max pool with padding 1; without its ReLU, so that the pool sees
        // negative values: a window clipped at the border must not take the padding for a zero) and head (global average
        // pool, Flatten, Linear).
        var random = new Random(size);
        var net = new Sequential(
            new Conv2d(3, 8, 7, 2, 3, bias: false, random: random), Norm(8, random), new MaxPool2d(3, 2, 1),
            new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 5, random: random));
        net.Eval();

        StageCompiler compiled = StageCompiler.Compile(net, [3, size, size], training: false);

        compiled.Unsupported.Should().BeNull();
        compiled.Specs.Select(s => s.GetType().Name).Should().Equal(nameof(ConvStageSpec), nameof(PaddedMaxPoolStageSpec), nameof(GlobalAvgPoolStageSpec), nameof(LinearStageSpec));
        foreach (int n in new[] { 1, 3, 16, 18 })
        {
            Tensor x = Arrays.Random(random, n, 3, size, size);

            Tensor fused = net.Forward(x);

            fused.ToArray().Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 2e-5, rtol: 1e-5, because: $"batch {n}, {size}×{size}");
        }
    }

    [Theory]
    [InlineData(14, 0)]
    [InlineData(13, 0)]
    [InlineData(16, 1)]
    public void Forward_CeilModeMaxPool_CompilesToAStageAndMatchesTheLayers(int size, int padding)
    {
        // SqueezeNet's 3×3/2 pools round up: on an even map the last window starts at the last-but-one column and hangs
        // past the image; the layer path (the general window kernel) is the oracle. No ReLU, so maxima can be negative.
        var random = new Random(size + padding);
        var net = new Sequential(new Conv2d(3, 5, 3, 1, 1, random: random), new MaxPool2d(3, 2, padding, ceilMode: true), new Conv2d(5, 4, 1, random: random));
        net.Eval();
        int pooled = ((size + (2 * padding) - 3 + 1) / 2) + 1;
        if ((pooled - 1) * 2 >= size + padding)
        {
            pooled--;
        }

        StageCompiler compiled = StageCompiler.Compile(net, [3, size, size], training: false);

        compiled.Unsupported.Should().BeNull();
        compiled.Specs.Select(s => s.GetType().Name).Should().Equal(nameof(ConvStageSpec), nameof(PaddedMaxPoolStageSpec), nameof(ConvStageSpec));
        net.GetOutputShape([1, 3, size, size]).Should().Equal([1, 4, pooled, pooled], "PyTorch's ceil rule, worked by hand");
        foreach (int n in new[] { 1, 3, 17 })
        {
            Tensor x = Arrays.Random(random, n, 3, size, size);

            Tensor fused = net.Forward(x);

            fused.ToArray().Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 2e-5, rtol: 1e-5, because: $"batch {n}, {size}×{size}, padding {padding}");
        }
    }

    private static Sequential InvertedResidual(int input, int hidden, int output, int stride, string activation, Random random)
    {
        Layer Act() => activation switch
        {
            "relu6" => new ReLU6(),
            "hardswish" => new Hardswish(),
            _ => new Hardsigmoid(),
        };

        var net = new Sequential(
            new Conv2d(input, hidden, 1, bias: false, random: random), Norm(hidden, random), Act(),
            new Conv2d(hidden, hidden, 3, stride, 1, bias: false, groups: hidden, random: random), Norm(hidden, random), Act(),
            new Conv2d(hidden, output, 1, bias: false, random: random), Norm(output, random));
        net.Eval();
        return net;
    }

    private static BatchNorm2d Norm(int channels, Random random)
    {
        var norm = new BatchNorm2d(channels);
        Arrays.Random(random, channels).AsReadOnlySpan().CopyTo(norm.RunningMean!.AsSpan());
        Span<float> variance = norm.RunningVar!.AsSpan();
        for (int c = 0; c < channels; c++)
        {
            variance[c] = 0.5f + (float)random.NextDouble();
        }

        Arrays.Random(random, channels).AsReadOnlySpan().CopyTo(norm.Bias!.Value.AsSpan());
        return norm;
    }

    private static List<float[]> ForEachThreadCount(Func<float[]> run)
    {
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            var results = new List<float[]>();
            foreach (int threads in ThreadCounts)
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                results.Add(run());
            }

            return results;
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }
    }
}
