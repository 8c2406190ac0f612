using System.Globalization;
using System.Text.Json;
using LeNet.Layers;
using LeNet.Training;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// The fixture checks the ResNet, DenseNet and CIFAR ResNet tests share: structure (manifest.json), evaluation and
/// batch-statistics logits (outputs.json), one training step (training.json), each printing its worst relative
/// differences so a loss of precision shows before it fails.
/// </summary>
/// <remarks>
/// Training-mode BatchNorm over a batch of 2 at 64×64 normalizes the last stage over 8 values, and deep networks
/// amplify rounding through it: PyTorch's own float32 results are up to 1.4e-3 (resnet152's logits) and 4e-2
/// (resnet50's gradients) away from the float64 answer (Golden/torchvision/make_resnet_float64.py →
/// resnet_float64.json). So training-mode results are compared with the float64 answer, allowed
/// <see cref="Float32Margin"/> times PyTorch float32's own distance from it (never less than 1e-4), and with PyTorch's
/// float32 numbers at 1e-4 wherever those are themselves that close to the answer.
/// </remarks>
internal static class ResNetFamilyGolden
{
    /// <summary>Tolerance of the logits: 1e-4 of the output's largest magnitude.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>Tolerance of the gradient sums, first values and buffers, relative to each tensor's scale.</summary>
    public const double TrainingTolerance = 1e-4;

    /// <summary>How many times PyTorch float32's distance from the float64 answer LeNet's logits may be (seen: at most 1.6).</summary>
    public const double Float32Margin = 4;

    /// <summary>
    /// How many times PyTorch float32's distance from the float64 answer LeNet's training-step gradients may be. Seen:
    /// resnet18 0.03, resnet50 1.3, densenet121 4.7 (its input-gradient sum; the worst first gradient values 4.0, the
    /// median 13×, as PyTorch's are tiny). The same models' evaluation-mode step matches the float64 answer to 6e-6
    /// (<see cref="CheckEvaluationStep"/>), so the backward is right; the training-mode gradients pass through BatchNorms
    /// over 8 values and ReLU kinks: perturbing densenet121's float64 weights by 6e-8 (float32's rounding) moves its
    /// gradients by up to 7e-3 for one perturbation and 1e-5 for another — a kink crossed or not.
    /// </summary>
    public const double TrainingFloat32Margin = 8;

    private static readonly Lazy<Dictionary<string, JsonElement>> Float64 = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "torchvision", "resnet_float64.json");
        using FileStream stream = File.OpenRead(path);
        JsonElement root = JsonDocument.Parse(stream).RootElement.Clone();
        return root.GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!);
    });

    /// <summary>The builder registered under <paramref name="name"/> in <c>TorchVision.ResNetModels</c>.</summary>
    public static Module Create(string name, int numClasses) =>
        LeNet.Models.Vision.TorchVision.ResNetModels.Single(m => m.Name == name).Create(numClasses);

    /// <summary>Keys, order, shapes and parameter count for 1000 classes, and the count and classifier shapes for 10.</summary>
    public static void CheckStructure(string name)
    {
        Create(name, 1000).ShouldMatchTorchVision(name, 1000);
        Create(name, 10).ShouldMatchTorchVision(name, 10);
    }

    /// <summary>
    /// Fills the 10-class model with the deterministic weights and compares (a) the evaluation-mode logits with
    /// PyTorch's at 1e-4 and (b) the training-mode logits (batch statistics; dropout layers in evaluation mode) with
    /// the float64 answer, and with PyTorch's float32 logits where those are within a quarter of 1e-4 of it.
    /// </summary>
    public static void CheckOutputs(string name, ITestOutputHelper output)
    {
        (int[] inputShape, float[] expected, float[] expectedTrain) = VisionGolden.OutputOf(name);
        JsonElement float64 = Float64.Value[name];
        double[] answer = [.. float64.GetProperty("output_train_bn").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetDouble())];
        double float32Error = float64.GetProperty("float32_output_train_bn_error").GetDouble();

        (float[] eval, float[] train) = RunOutputs(Create(name, 10), inputShape);

        double evalDiff = RelativeDifference(eval, [.. expected.Select(v => (double)v)]);
        double trainDiff = RelativeDifference(train, [.. expectedTrain.Select(v => (double)v)]);
        double trainAnswerDiff = RelativeDifference(train, answer);
        double tolerance = Math.Max(OutputTolerance, Float32Margin * float32Error);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{name}: eval vs PyTorch {evalDiff:E2}; training-mode BatchNorm vs PyTorch float32 {trainDiff:E2}, vs float64 {trainAnswerDiff:E2} (PyTorch float32 vs float64 {float32Error:E2}; allowed {tolerance:E2})"));

        evalDiff.Should().BeLessThan(OutputTolerance, $"{name}'s evaluation-mode logits should match PyTorch's");
        trainAnswerDiff.Should().BeLessThan(tolerance, $"{name}'s training-mode logits should be as close to the float64 answer as PyTorch's float32 ({float32Error:E2})");
        if (float32Error <= OutputTolerance / Float32Margin)
        {
            trainDiff.Should().BeLessThan(OutputTolerance, $"{name}'s training-mode logits should match PyTorch's");
        }
    }

    /// <summary>Both comparisons with PyTorch's float32 logits at 1e-4 (a model whose fixture has no float64 answer).</summary>
    /// <returns>The worst differences relative to the expected logits' largest magnitude.</returns>
    public static (double Eval, double TrainBatchNorm) CheckOutputs(
        string name, Module model, int[] inputShape, float[] expected, float[] expectedTrain, ITestOutputHelper output, IReadOnlyDictionary<string, float[]>? overrides = null)
    {
        (float[] eval, float[] train) = RunOutputs(model, inputShape, overrides);
        double evalDiff = RelativeDifference(eval, [.. expected.Select(v => (double)v)]);
        double trainDiff = RelativeDifference(train, [.. expectedTrain.Select(v => (double)v)]);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: eval vs PyTorch {evalDiff:E2}, training-mode BatchNorm vs PyTorch {trainDiff:E2}"));
        evalDiff.Should().BeLessThan(OutputTolerance, $"{name}'s evaluation-mode logits");
        trainDiff.Should().BeLessThan(OutputTolerance, $"{name}'s training-mode BatchNorm logits");
        return (evalDiff, trainDiff);
    }

    /// <summary>The deterministic weights; evaluation-mode logits, then training-mode logits with every dropout layer in evaluation mode.</summary>
    private static (float[] Eval, float[] Train) RunOutputs(Module model, int[] inputShape, IReadOnlyDictionary<string, float[]>? overrides = null)
    {
        Fill(model, overrides);
        Tensor x = VisionGolden.Input(inputShape);

        model.Eval();
        float[] eval = model.Forward(x).ToArray();

        model.Train();
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            if (layer is DropoutLayer)
            {
                layer.Eval();
            }
        }

        return (eval, model.Forward(x).ToArray());
    }

    /// <summary>
    /// One training step as make_training.py does it (training mode with the fixture's <c>eval_modules</c> in evaluation
    /// mode, forward, mean cross-entropy on the targets, backward), compared with the float64 answer at
    /// <see cref="TrainingFloat32Margin"/> times PyTorch float32's distance from it (at least 1e-4) and with PyTorch's float32
    /// step (training.json) at that plus PyTorch's own distance: output, loss, every parameter's gradient (sum,
    /// absolute sum, first values), every BatchNorm buffer and the input gradient's absolute sum.
    /// </summary>
    public static void CheckTrainingStep(string name, ITestOutputHelper output)
    {
        JsonElement fixture = VisionGolden.TrainingOf(name);
        JsonElement float64 = Float64.Value[name];
        JsonElement float32Error = float64.GetProperty("float32_training_error");
        double Error(string kind) => float32Error.TryGetProperty(kind, out JsonElement e) ? e.GetDouble() : 0;

        Step step = RunStep(Create(name, 10), fixture);

        Compare(name, step, float64.GetProperty("training"), "float64", kind => Math.Max(TrainingTolerance, TrainingFloat32Margin * Error(kind)), output);
        Compare(name, step, fixture, "PyTorch float32", kind => Math.Max(TrainingTolerance, (TrainingFloat32Margin + 1) * Error(kind)), output);
    }

    /// <summary>
    /// The same step with the model in evaluation mode (BatchNorm the affine map of its running statistics, as
    /// PyTorch differentiates an eval() model): well conditioned, so PyTorch's float32 is within ~1e-5 of the float64
    /// answer, and LeNet's backward — every layer, the residual sums, the concatenations — must be within 1e-4 of it.
    /// </summary>
    public static void CheckEvaluationStep(string name, ITestOutputHelper output)
    {
        JsonElement float64 = Float64.Value[name];
        Step step = RunStep(Create(name, 10), VisionGolden.TrainingOf(name), training: false);
        Compare(name, step, float64.GetProperty("eval_step"), "float64 (evaluation mode)", _ => TrainingTolerance, output);
    }

    /// <summary>
    /// The step of <paramref name="model"/> against a fixture in training.json's format, everything at 1e-4; the
    /// deterministic weights with <paramref name="overrides"/> (state-dict key → values) written over them.
    /// </summary>
    public static void CheckTrainingStep(string name, Module model, JsonElement fixture, ITestOutputHelper output, IReadOnlyDictionary<string, float[]>? overrides = null) =>
        Compare(name, RunStep(model, fixture, overrides: overrides), fixture, "PyTorch", _ => TrainingTolerance, output);

    /// <summary>The deterministic weights (<see cref="VisionGolden.Fill"/>), then <paramref name="overrides"/> (state-dict key → values) over them.</summary>
    private static void Fill(Module model, IReadOnlyDictionary<string, float[]>? overrides)
    {
        VisionGolden.Fill(model);
        if (overrides is null)
        {
            return;
        }

        Dictionary<string, Tensor> state = model.StateDict().ToDictionary(e => e.Key, e => e.Value);
        foreach ((string key, float[] values) in overrides)
        {
            state[key].Length.Should().Be(values.Length, $"the override of {key}");
            values.CopyTo(state[key].AsSpan());
        }
    }

    private static Step RunStep(Module model, JsonElement fixture, bool training = true, IReadOnlyDictionary<string, float[]>? overrides = null)
    {
        int[] inputShape = [.. fixture.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32())];
        int[] targets = [.. fixture.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32())];
        Fill(model, overrides);
        model.Train(training);
        var modules = model.NamedModules().ToDictionary(m => m.Name, m => m.Layer);
        foreach (JsonElement frozen in fixture.GetProperty("eval_modules").EnumerateArray())
        {
            modules[frozen.GetString()!].Eval();
        }

        Tensor x = VisionGolden.Input(inputShape);
        model.ZeroGrad();
        Tensor logits = model.Forward(x);
        LossResult loss = new CrossEntropyLoss().Compute(logits, targets);
        Tensor inputGradient = model.Backward(loss.Gradient);
        return new Step(
            logits.ToArray(),
            loss.Loss,
            [.. model.NamedParameters().Select(p => (p.Name, p.Parameter.Gradient.ToArray()))],
            model.StateDict().ToDictionary(e => e.Key, e => e.Value.ToArray()),
            inputGradient.ToArray().Sum(v => Math.Abs((double)v)));
    }

    private static void Compare(string name, Step step, JsonElement reference, string what, Func<string, double> tolerance, ITestOutputHelper output)
    {
        var worst = new Worst();

        // Output and loss.
        double[] expectedOutput = [.. reference.GetProperty("output").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetDouble())];
        double outputScale = expectedOutput.Max(Math.Abs);
        for (int i = 0; i < expectedOutput.Length; i++)
        {
            worst.Add("output", "output", step.Output[i], expectedOutput[i], outputScale);
        }

        double expectedLoss = reference.GetProperty("loss").GetDouble();
        worst.Add("loss", "loss", step.Loss, expectedLoss, Math.Abs(expectedLoss));

        // Parameter gradients, in named_parameters() order.
        JsonElement[] expectedParameters = [.. reference.GetProperty("params").EnumerateArray()];
        step.Gradients.Select(p => p.Key).Should().Equal(expectedParameters.Select(p => p.GetProperty("key").GetString()), $"{name}'s parameters in named_parameters() order");
        for (int p = 0; p < step.Gradients.Length; p++)
        {
            (string key, float[] gradient) = step.Gradients[p];
            double sum = gradient.Sum(v => (double)v), absSum = gradient.Sum(v => Math.Abs((double)v));
            double expectedSum = expectedParameters[p].GetProperty("grad_sum").GetDouble();
            double expectedAbsSum = expectedParameters[p].GetProperty("grad_abs_sum").GetDouble();
            double[] first = [.. expectedParameters[p].GetProperty("grad_first").EnumerateArray().Select(e => e.GetDouble())];

            // The scale of one element: the mean magnitude, or the largest first value if that is larger.
            double elementScale = Math.Max(expectedAbsSum / gradient.Length, first.Max(Math.Abs));
            worst.Add("grad_sum", key, sum, expectedSum, expectedAbsSum);
            worst.Add("grad_abs_sum", key, absSum, expectedAbsSum, expectedAbsSum);
            for (int i = 0; i < first.Length; i++)
            {
                worst.Add("grad_first", key, gradient[i], first[i], elementScale);
            }
        }

        // BatchNorm buffers after the step.
        foreach (JsonElement buffer in reference.GetProperty("bn_buffers").EnumerateArray())
        {
            string key = buffer.GetProperty("key").GetString()!;
            float[] values = step.State[key];
            JsonElement[] first = [.. buffer.GetProperty("first").EnumerateArray()];
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                values.Should().Equal([first[0].GetInt64()], $"{key} counts the one batch");
                continue;
            }

            double scale = values.Sum(v => Math.Abs((double)v)) + 1e-12;
            worst.Add("sum", key, values.Sum(v => (double)v), buffer.GetProperty("sum").GetDouble(), scale);
            for (int i = 0; i < first.Length; i++)
            {
                double expected = first[i].GetDouble();
                worst.Add("first", key, values[i], expected, Math.Max(scale / values.Length, Math.Abs(expected)));
            }
        }

        // The input gradient.
        double expectedInputGradient = reference.GetProperty("input_grad_abs_sum").GetDouble();
        worst.Add("input_grad_abs_sum", "input", step.InputGradientAbsSum, expectedInputGradient, expectedInputGradient);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} training step vs {what}, {step.Gradients.Length} parameters:"));
        foreach ((string kind, (double value, string where)) in worst.ByKind.OrderBy(k => k.Key))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {kind}: {value:E2} (allowed {tolerance(kind):E2}) at {where}"));
        }

        foreach ((string kind, (double value, string where)) in worst.ByKind)
        {
            value.Should().BeLessThan(tolerance(kind), $"{name}'s {kind} should match {what} (worst at {where})");
        }
    }

    /// <summary>max |actual − expected| / max |expected|.</summary>
    public static double RelativeDifference(float[] actual, double[] expected)
    {
        actual.Length.Should().Be(expected.Length);
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]) / scale);
        }

        return worst;
    }

    /// <summary>What one training step produced.</summary>
    private sealed record Step(float[] Output, float Loss, (string Key, float[] Gradient)[] Gradients, Dictionary<string, float[]> State, double InputGradientAbsSum);

    /// <summary>The worst |actual − expected| / scale per kind, and where.</summary>
    private sealed class Worst
    {
        public Dictionary<string, (double Value, string Where)> ByKind { get; } = [];

        public void Add(string kind, string key, double actual, double expected, double scale)
        {
            double difference = Math.Abs(actual - expected) / Math.Max(scale, 1e-30);
            if (double.IsNaN(difference))
            {
                difference = double.PositiveInfinity;
            }

            if (!ByKind.TryGetValue(kind, out (double Value, string Where) current) || difference > current.Value)
            {
                ByKind[kind] = (difference, string.Create(CultureInfo.InvariantCulture, $"{key} (got {actual:G9}, expected {expected:G9})"));
            }
        }
    }
}
