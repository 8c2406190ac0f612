using System.Diagnostics;
using System.Text.Json;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Training;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// MobileNetV2, MobileNetV3, MNASNet and ShuffleNetV2 against torchvision 0.14.1 (Golden/torchvision): state-dict
/// layout and parameter counts, logits with deterministic weights in evaluation mode and with batch statistics, and
/// one training step (gradients, BatchNorm buffers, input gradient).
/// </summary>
public sealed class MobileModelsTests(ITestOutputHelper output)
{
    // Tolerance: differences relative to the largest magnitude of the compared values.
    private const double Relative = 1e-4;

    // Gradients, relative to the tensor's scale (see the training test): PyTorch's own float32 gradients of these models
    // are up to 3.8e-4 away from its float64 ones (mobilenet_v2 3.8e-4, shufflenet_v2_x0_5 2.3e-4, mnasnet0_5 2.5e-4,
    // mobilenet_v3_small 8.8e-5), so two float32 implementations cannot agree to 1e-4 (ours: 3.9e-4, 5.6e-4, —, 5.4e-5
    // from float64).
    private const double GradientTolerance = 1e-3;

    // mnasnet0_5: element 28921 of the output of layers.8.0.layers.1 (the BatchNorm before the ReLU layers.8.0.layers.2)
    // is −9.08e-8 in float64, −6.56e-8 in PyTorch's float32 and +2.47e-7 here: a rounding difference of 3e-7 on values
    // of order 1 that lands on the ReLU's kink, so one element of that ReLU's mask differs and every gradient upstream
    // of it moves (layers.8.0.layers.1.weight's first values by 1e-1 of their scale, the input gradient's abs-sum by
    // 1.9e-4). The parameters before that ReLU and the input gradient are compared with this looser tolerance, the
    // others with the normal one.
    private static readonly Dictionary<string, (string FirstDownstreamKey, double Tolerance)> ReluKinks = new()
    {
        ["mnasnet0_5"] = ("layers.8.0.layers.3.weight", 0.2),
    };

    // Mean |gradient| below this fraction of the model's largest: zero in exact arithmetic (see the training test).
    private const double VanishingGradient = 1e-6;

    private static readonly string[] FamilyPrefixes = ["mobilenet_v2", "mobilenet_v3_", "mnasnet", "shufflenet_v2_"];

    public static TheoryData<string> Names => [.. TorchVision.MobileModels.Select(m => m.Name)];

    public static TheoryData<string> TrainingNames => [.. VisionGolden.TrainingNames.Where(n => TorchVision.MobileModels.Any(m => m.Name == n))];

    [Fact]
    public void MobileModels_Names_AreTorchVisionsMobileFamilies()
    {
        // Arrange
        string[] expected = [.. VisionGolden.Names.Where(n => FamilyPrefixes.Any(p => n.StartsWith(p, StringComparison.Ordinal)))];

        // Act
        string[] names = [.. TorchVision.MobileModels.Select(m => m.Name)];

        // Assert
        names.Should().BeEquivalentTo(expected);
        expected.Should().HaveCount(11);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void StateDict_TorchVisionName_MatchesKeysShapesAndCounts(string name)
    {
        // Arrange, Act
        Module model = Create(name, 1000);
        Module model10 = Create(name, 10);

        // Assert
        model.ShouldMatchTorchVision(name);
        model10.ShouldMatchTorchVision(name, numClasses: 10);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_DeterministicWeights_MatchesTorchVisionLogits(string name)
    {
        // Arrange
        var clock = Stopwatch.StartNew();
        Module model = Create(name, 10);
        VisionGolden.Fill(model);
        (int[] inputShape, float[] expected, float[] expectedTrainBatchNorm) = VisionGolden.OutputOf(name);
        Tensor input = VisionGolden.Input(inputShape);

        // Act
        model.Eval();
        float[] evaluation = model.Forward(input).ToArray();
        model.Train();
        EvalDropouts(model);
        float[] batchStatistics = model.Forward(input).ToArray();

        // Assert
        double evalDiff = RelativeDifference(evaluation, expected);
        double trainDiff = RelativeDifference(batchStatistics, expectedTrainBatchNorm);
        output.WriteLine($"{name}: eval max|Δ|/max|y| {evalDiff:E2}, batch statistics {trainDiff:E2}, {clock.Elapsed.TotalSeconds:F1} s");
        evaluation.Should().BeCloseTo(expected, atol: Relative * MaxAbs(expected), because: $"{name}'s evaluation-mode logits");
        batchStatistics.Should().BeCloseTo(expectedTrainBatchNorm, atol: Relative * MaxAbs(expectedTrainBatchNorm), because: $"{name}'s logits with batch statistics");
    }

    [Theory]
    [MemberData(nameof(TrainingNames))]
    public void Backward_OneTrainingStep_MatchesTorchVisionGradients(string name)
    {
        // Arrange
        JsonElement golden = VisionGolden.TrainingOf(name);
        Module model = Create(name, 10);
        VisionGolden.Fill(model);
        model.Train();
        string[] evalModules = [.. golden.GetProperty("eval_modules").EnumerateArray().Select(e => e.GetString()!)];
        Dictionary<string, ILayer> modules = model.NamedModules().ToDictionary(m => m.Name, m => m.Layer);
        foreach (string path in evalModules)
        {
            modules[path].Train(false);
        }

        int[] targets = [.. golden.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32())];
        Tensor input = VisionGolden.Input([.. golden.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32())]);

        // Act
        Tensor logits = model.Forward(input);
        LossResult loss = new CrossEntropyLoss().Compute(logits, targets);
        Tensor inputGradient = model.Backward(loss.Gradient);

        // Assert
        float[] expectedOutput = [.. golden.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetSingle())];
        logits.ToArray().Should().BeCloseTo(expectedOutput, atol: Relative * MaxAbs(expectedOutput), because: $"{name}'s training-mode logits");
        loss.Loss.Should().BeApproximately(golden.GetProperty("loss").GetSingle(), (float)(Relative * golden.GetProperty("loss").GetSingle()));
        double inputAbsSum = inputGradient.ToArray().Sum(v => Math.Abs((double)v));
        double expectedInputAbsSum = golden.GetProperty("input_grad_abs_sum").GetDouble();

        Dictionary<string, Parameter> parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var keys = golden.GetProperty("params").EnumerateArray().Select(p => p.GetProperty("key").GetString()!).ToList();
        model.NamedParameters().Select(p => p.Name).Should().Equal(keys, "the parameters are in named_parameters() order");

        // A gradient that is zero in exact arithmetic (the bias of a BatchNorm whose output reaches the next training-mode
        // BatchNorm through a 1×1 convolution only: the shift is normalized away) is rounding noise on both sides, more
        // than six orders of magnitude below the model's largest mean |gradient|; real gradients here are above 1e-5 of it.
        // Such a gradient must be noise here too; the others are compared relative to their own scale.
        JsonElement[] entries = [.. golden.GetProperty("params").EnumerateArray()];
        double MeanAbs(JsonElement e) => e.GetProperty("grad_abs_sum").GetDouble() / parameters[e.GetProperty("key").GetString()!].Length;
        double largest = entries.Max(MeanAbs);
        (string firstDownstream, double kinkTolerance) = ReluKinks.GetValueOrDefault(name, ("", GradientTolerance));
        bool upstreamOfKink = firstDownstream.Length > 0;
        var gradients = new List<(string Key, double Difference, double Tolerance, string Detail)>();
        var vanishing = new List<(string Key, double MeanAbs)>();
        foreach (JsonElement entry in entries)
        {
            string key = entry.GetProperty("key").GetString()!;
            upstreamOfKink &= key != firstDownstream;
            float[] gradient = parameters[key].Gradient.ToArray();
            double expectedSum = entry.GetProperty("grad_sum").GetDouble(), expectedAbsSum = entry.GetProperty("grad_abs_sum").GetDouble();
            float[] expectedFirst = [.. entry.GetProperty("grad_first").EnumerateArray().Select(e => e.GetSingle())];
            double sum = gradient.Sum(v => (double)v), absSum = gradient.Sum(v => Math.Abs((double)v));
            if (MeanAbs(entry) < VanishingGradient * largest)
            {
                vanishing.Add((key, absSum / gradient.Length / largest));
                continue;
            }

            // The tensor's scale: its largest first value or its mean magnitude, whichever is larger; sums relative to the abs-sum.
            double scale = Math.Max(MaxAbs(expectedFirst), expectedAbsSum / gradient.Length);
            double difference = Math.Max(
                Math.Abs(sum - expectedSum) / expectedAbsSum,
                Math.Max(Math.Abs(absSum - expectedAbsSum) / expectedAbsSum, MaxDifference(gradient.AsSpan(0, expectedFirst.Length), expectedFirst) / scale));
            gradients.Add((key, difference, upstreamOfKink ? kinkTolerance : GradientTolerance, $"sum {sum} vs {expectedSum}, abs-sum {absSum} vs {expectedAbsSum}, first [{string.Join(", ", gradient.Take(expectedFirst.Length))}] vs [{string.Join(", ", expectedFirst)}]"));
        }

        IReadOnlyDictionary<string, Tensor> state = model.StateDict();
        var buffers = new List<(string Key, double Difference)>();
        foreach (JsonElement entry in golden.GetProperty("bn_buffers").EnumerateArray())
        {
            string key = entry.GetProperty("key").GetString()!;
            float[] buffer = state[key].ToArray();
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                buffer.Should().Equal([entry.GetProperty("sum").GetInt64()], $"{key} counts one batch");
                continue;
            }

            float[] expectedFirst = [.. entry.GetProperty("first").EnumerateArray().Select(e => e.GetSingle())];
            double absSum = buffer.Sum(v => Math.Abs((double)v));
            buffers.Add((key, Math.Max(
                Math.Abs(buffer.Sum(v => (double)v) - entry.GetProperty("sum").GetDouble()) / absSum,
                MaxDifference(buffer.AsSpan(0, expectedFirst.Length), expectedFirst) / MaxAbs(expectedFirst))));
        }

        double inputDifference = Math.Abs(inputAbsSum - expectedInputAbsSum) / expectedInputAbsSum;
        var worst = gradients.OrderByDescending(g => g.Difference).ToList();
        output.WriteLine($"{name}: logits {RelativeDifference(logits.ToArray(), expectedOutput):E2}, loss {loss.Loss} vs {golden.GetProperty("loss").GetSingle()}, input-gradient abs-sum {inputDifference:E2}, BatchNorm buffers {buffers.Max(b => b.Difference):E2}, gradients {worst.Where(g => g.Tolerance == GradientTolerance).Max(g => g.Difference):E2} ({worst.Count(g => g.Tolerance == GradientTolerance)} of them){(firstDownstream.Length > 0 ? $", upstream of the ReLU kink {worst.Where(g => g.Tolerance != GradientTolerance).Max(g => g.Difference):E2} ({worst.Count(g => g.Tolerance != GradientTolerance)})" : "")}");
        foreach ((string key, double difference, _, string detail) in worst.Take(3))
        {
            output.WriteLine($"  {key}: {difference:E2} ({detail})");
        }

        output.WriteLine($"  {vanishing.Count} gradients zero in exact arithmetic: mean |gradient| up to {(vanishing.Count == 0 ? 0 : vanishing.Max(v => v.MeanAbs)):E1} of the largest");
        vanishing.Where(v => v.MeanAbs >= VanishingGradient).Should().BeEmpty($"{name}'s gradients that vanish in PyTorch vanish here");
        buffers.Where(b => b.Difference > Relative).Should().BeEmpty($"{name}'s BatchNorm buffers after the step are PyTorch's");
        inputDifference.Should().BeLessThanOrEqualTo(firstDownstream.Length > 0 ? kinkTolerance : GradientTolerance, $"{name}'s input-gradient abs-sum");
        worst.Where(g => g.Difference > g.Tolerance).Select(g => $"{g.Key}: {g.Difference:E2} ({g.Detail})").Should().BeEmpty($"{name}'s parameter gradients are PyTorch's");
    }

    [Fact]
    public void ChannelShuffle_TwoGroups_InterleavesTheHalves()
    {
        // Arrange: channel c holds the value c.
        var input = new Tensor(1, 6, 1, 1);
        for (int c = 0; c < 6; c++)
        {
            input.AsSpan()[c] = c;
        }

        // Act
        Tensor shuffled = ShuffleNetV2.ChannelShuffle(input, 2);

        // Assert
        shuffled.Shape.ToArray().Should().Equal(1, 6, 1, 1);
        shuffled.ToArray().Should().Equal(0, 3, 1, 4, 2, 5);
    }

    private static Module Create(string name, int numClasses) =>
        TorchVision.MobileModels.Single(m => m.Name == name).Create(numClasses);

    /// <summary>Puts every Dropout and StochasticDepth back in evaluation mode, as the fixture's <c>output_train_bn</c> pass does.</summary>
    private static void EvalDropouts(Module model)
    {
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            if (layer is DropoutLayer or StochasticDepth)
            {
                layer.Train(false);
            }
        }
    }

    private static double MaxAbs(IReadOnlyList<float> values) => values.Max(v => Math.Abs((double)v));

    private static double MaxDifference(ReadOnlySpan<float> actual, IReadOnlyList<float> expected)
    {
        double max = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]));
        }

        return max;
    }

    private static double RelativeDifference(float[] actual, float[] expected) => MaxDifference(actual, expected) / MaxAbs(expected);
}
