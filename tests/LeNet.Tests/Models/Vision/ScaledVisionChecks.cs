using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Training;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// The EfficientNet, RegNet and ConvNeXt tests run one after another (this collection): the largest of these models
/// hold gigabytes (regnet_y_128gf: 645 million parameters, each with its gradient), so two at once would not fit
/// beside the other test classes.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ScaledVisionGroup
{
    public const string Name = "Scaled vision models";
}

/// <summary>
/// The checks of every EfficientNet, RegNet and ConvNeXt against torchvision's fixtures (VisionGolden): state-dict
/// layout, the modules' settings, evaluation- and batch-statistics outputs, one training step. Each check writes its
/// worst relative difference and its time to the test output.
/// </summary>
internal static partial class ScaledVisionChecks
{
    /// <summary>The tolerance of the outputs: 1e-4 of the largest expected magnitude.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>
    /// The least tolerance against PyTorch's float64 result, where a value is not within <see cref="OutputTolerance"/>
    /// of its float32 one: 2e-4. A float32 result over these depths carries summation-order error of that size whatever
    /// the order: regnet_y_32gf's batch-statistics logits are 1.12e-4 from float64 on the Vector512 path and 1.25e-4 on
    /// the Vector256 path (PyTorch's float32: 4.0e-5), regnet_y_400mf's input-gradient sum 1.33e-4 on the Vector256 path
    /// (PyTorch's: 3.2e-5), measured 2026-12-07; 1e-4 failed those on AVX2-only machines. These single numbers are
    /// noise of ill-conditioned computations, not a larger error of ours: in the same regnet_y_400mf step our gradients
    /// are closer to float64 than PyTorch's float32 ones (worst gradient sum 1.05e-2 against PyTorch's 2.35e-2, worst
    /// first values 6.3e-2 against 2.8e-1 on the Vector256 path; 5.3e-3 and 3.2e-2 on the Vector512 path, where the
    /// input gradient is 2e-9 from float64).
    /// </summary>
    public const double Float64Floor = 2e-4;

    /// <summary>The family's torchvision names starting with <paramref name="prefix"/>, in <see cref="TorchVision.ScaledModels"/>' order.</summary>
    public static List<string> FamilyNames(string prefix) =>
        [.. TorchVision.ScaledModels.Select(m => m.Name).Where(name => name.StartsWith(prefix, StringComparison.Ordinal))];

    /// <summary><see cref="FamilyNames"/> as theory data.</summary>
    public static TheoryData<string> NamesStartingWith(string prefix) => [.. FamilyNames(prefix)];

    /// <summary>Builds <paramref name="name"/> through the family's array.</summary>
    public static Module Create(string name, int numClasses) => TorchVision.ScaledModels.Single(m => m.Name == name).Create(numClasses);

    /// <summary>
    /// The model for 1000 classes against the manifest (keys, order, shapes, parameter count, the modules' settings),
    /// then the 10-class count; one model alive at a time.
    /// </summary>
    public static void Manifest(string name, ITestOutputHelper output)
    {
        var clock = Stopwatch.StartNew();
        Module model = Create(name, 1000);
        TimeSpan build = clock.Elapsed;
        model.ShouldMatchTorchVision(name, 1000);
        ModuleSettings(model).Should().Equal(ExpectedModuleSettings(name), $"{name}'s normalizations, activations, dropouts and stochastic depths should be torchvision's (type and settings, counted)");
        StochasticDepthProbabilities(model).Should().Equal(ExpectedStochasticDepthProbabilities(name), (a, e) => Math.Abs(a - e) < 1e-6, $"{name}'s stochastic-depth probabilities, in module order");
        model = null!;
        Collect();

        Module small = Create(name, 10);
        small.ShouldMatchTorchVision(name, 10);
        output.WriteLine($"{name}: built (1000 classes) in {build.TotalSeconds:F2} s, whole check {clock.Elapsed.TotalSeconds:F2} s");
    }

    /// <summary>
    /// 10 classes, deterministic weights and input. (a) Evaluation mode against <c>output</c> of outputs.json within
    /// 1e-4. (b) Training-mode BatchNorm with every Dropout and StochasticDepth in evaluation mode against
    /// <c>output_train_bn</c> within 1e-4, or else against its float64 recomputation (scaled_float64.json) within
    /// 3 × PyTorch's own float32 error: batch statistics of 2×2 maps amplify rounding, and PyTorch's float32 logits
    /// are up to 3e-4 from the float64 ones (efficientnet_v2_l).
    /// </summary>
    /// <returns>The worst relative differences against PyTorch's float32 outputs (evaluation, batch statistics).</returns>
    public static (double Evaluation, double BatchStatistics) Outputs(string name, ITestOutputHelper output)
    {
        var clock = Stopwatch.StartNew();
        (int[] inputShape, float[] expected, float[] expectedTrainBatchNorm) = VisionGolden.OutputOf(name);
        JsonElement reference = Float64Of(name);
        double[] exact = Doubles2(reference.GetProperty("output")), exactTrainBatchNorm = Doubles2(reference.GetProperty("output_train_bn"));
        Module model = Create(name, 10);
        VisionGolden.Fill(model);
        Tensor input = VisionGolden.Input(inputShape);
        TimeSpan prepared = clock.Elapsed;

        model.Eval();
        float[] evaluation = model.Forward(input).ToArray();
        TimeSpan evaluated = clock.Elapsed;

        model.Train();
        EvalDropoutAndStochasticDepth(model);
        float[] batchStatistics = model.Forward(input).ToArray();
        TimeSpan trained = clock.Elapsed;

        double evaluationDifference = Relative(evaluation, expected);
        double batchDifference = Relative(batchStatistics, expectedTrainBatchNorm);
        double batchExact = Relative(batchStatistics, exactTrainBatchNorm), torchBatchExact = Relative(expectedTrainBatchNorm, exactTrainBatchNorm);
        double batchTolerance = Math.Max(Float64Floor, 3 * torchBatchExact);
        output.WriteLine(
            $"{name}: eval vs PyTorch {evaluationDifference:E2} (vs float64 {Relative(evaluation, exact):E2}, PyTorch's float32 vs float64 {Relative(expected, exact):E2}); " +
            $"train-BN vs PyTorch {batchDifference:E2} (vs float64 {batchExact:E2}, PyTorch's float32 vs float64 {torchBatchExact:E2}, tolerance {batchTolerance:E2}); " +
            $"build+fill {prepared.TotalSeconds:F2} s, eval forward {(evaluated - prepared).TotalSeconds:F2} s, train forward {(trained - evaluated).TotalSeconds:F2} s, total {clock.Elapsed.TotalSeconds:F2} s");
        evaluationDifference.Should().BeLessThan(OutputTolerance, $"{name}'s evaluation-mode logits {Show(evaluation)} should be torchvision's {Show(expected)}");
        (batchDifference <= OutputTolerance || batchExact <= batchTolerance).Should().BeTrue($"{name}'s batch-statistics logits {Show(batchStatistics)} should be torchvision's (float64) {Show(exactTrainBatchNorm)} as closely as PyTorch's float32 {Show(expectedTrainBatchNorm)}");
        return (evaluationDifference, batchDifference);
    }

    /// <summary>
    /// One training step of training.json: training mode with its eval_modules in evaluation mode, forward,
    /// cross-entropy, backward. The logits, the loss, every parameter's gradient (sum and absolute sum relative to the
    /// absolute sum, the first 8 values relative to the largest of them and the mean |gradient|), the BatchNorm buffers
    /// after the step and the input gradient's absolute sum: each within 1e-4 of training.json (PyTorch's float32), or
    /// else within 3 × PyTorch's own float32 error for that kind in this model of the float64 step (scaled_float64.json).
    /// With batch statistics on 2×2 maps the gradients are ill-conditioned: PyTorch's float32 gradients are up to 1e-4
    /// (efficientnet_b0) and 3e-1 (regnet_y_400mf) of a tensor's scale from the float64 ones. Gradients that are zero
    /// in exact arithmetic (a BatchNorm bias followed, through a 1×1 convolution, by another batch-statistics BatchNorm)
    /// are float32 noise on both sides: they are only required to stay at noise level.
    /// </summary>
    public static void TrainingStep(string name, ITestOutputHelper output)
    {
        JsonElement fixture = VisionGolden.TrainingOf(name);
        JsonElement exact = Float64Of(name).GetProperty("training");
        int[] inputShape = [.. fixture.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32())];
        int[] targets = [.. fixture.GetProperty("targets").EnumerateArray().Select(e => e.GetInt32())];
        Module model = Create(name, fixture.GetProperty("constructor_kwargs").GetProperty("num_classes").GetInt32());
        VisionGolden.Fill(model);
        Tensor input = VisionGolden.Input(inputShape);

        model.Train();
        List<string> evaluated = EvalDropoutAndStochasticDepth(model);
        evaluated.Should().Equal(fixture.GetProperty("eval_modules").EnumerateArray().Select(e => e.GetString()), "the modules put in evaluation mode are torchvision's Dropout and StochasticDepth modules");
        Tensor logits = model.Forward(input);
        LossResult loss = new CrossEntropyLoss().Compute(logits, targets);
        Tensor inputGradient = model.Backward(loss.Gradient);

        // Logits and loss.
        float[] torchLogits = Floats(fixture.GetProperty("output").EnumerateArray().SelectMany(row => row.EnumerateArray()));
        double[] exactLogits = Doubles2(exact.GetProperty("output"));
        var logitsKind = new Kind("logits");
        logitsKind.Add("output", Relative(logits.ToArray(), torchLogits), Relative(logits.ToArray(), exactLogits), Relative(torchLogits, exactLogits));
        double torchLoss = fixture.GetProperty("loss").GetDouble(), exactLoss = exact.GetProperty("loss").GetDouble();
        var lossKind = new Kind("loss");
        lossKind.Add("loss", Math.Abs(loss.Loss - torchLoss) / Math.Abs(exactLoss), Math.Abs(loss.Loss - exactLoss) / Math.Abs(exactLoss), Math.Abs(torchLoss - exactLoss) / Math.Abs(exactLoss));

        // Gradients: sums relative to the tensor's |sum|, first values relative to the largest of them and the mean |gradient|.
        IReadOnlyDictionary<string, Parameter> parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        parameters.Keys.Should().Equal(fixture.GetProperty("params").EnumerateArray().Select(p => p.GetProperty("key").GetString()), "named_parameters() order");
        Dictionary<string, JsonElement> exactParameters = exact.GetProperty("params").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);
        double largestMeanAbs = exactParameters.Max(p => p.Value.GetProperty("grad_abs_sum").GetDouble() / parameters[p.Key].Length);
        Kind sums = new("gradient sums"), absSums = new("gradient |sums|"), firsts = new("gradient first values");
        var zeroGradients = new List<(string Key, double OursMeanAbs)>();
        foreach (JsonElement entry in fixture.GetProperty("params").EnumerateArray())
        {
            string key = entry.GetProperty("key").GetString()!;
            JsonElement exactEntry = exactParameters[key];
            float[] gradient = parameters[key].Gradient.ToArray();
            double sum = gradient.Sum(g => (double)g), absSum = gradient.Sum(g => Math.Abs((double)g));
            double exactSum = exactEntry.GetProperty("grad_sum").GetDouble(), exactAbsSum = exactEntry.GetProperty("grad_abs_sum").GetDouble();
            if (exactAbsSum / gradient.Length <= 1e-9 * largestMeanAbs)
            {
                zeroGradients.Add((key, absSum / gradient.Length / largestMeanAbs));
                continue;
            }

            double torchSum = entry.GetProperty("grad_sum").GetDouble(), torchAbsSum = entry.GetProperty("grad_abs_sum").GetDouble();
            float[] first = gradient[..Math.Min(8, gradient.Length)], torchFirst = Floats(entry.GetProperty("grad_first").EnumerateArray());
            double[] exactFirst = [.. exactEntry.GetProperty("grad_first").EnumerateArray().Select(e => e.GetDouble())];
            double firstScale = Math.Max(exactFirst.Max(Math.Abs), exactAbsSum / gradient.Length);
            sums.Add(key, Math.Abs(sum - torchSum) / exactAbsSum, Math.Abs(sum - exactSum) / exactAbsSum, Math.Abs(torchSum - exactSum) / exactAbsSum);
            absSums.Add(key, Math.Abs(absSum - torchAbsSum) / exactAbsSum, Math.Abs(absSum - exactAbsSum) / exactAbsSum, Math.Abs(torchAbsSum - exactAbsSum) / exactAbsSum);
            firsts.Add(key, MaxDifference(first, torchFirst) / firstScale, MaxDifference(first, exactFirst) / firstScale, MaxDifference(torchFirst, exactFirst) / firstScale);
        }

        var problems = new List<string>();
        foreach ((string key, double oursMeanAbs) in zeroGradients.Where(z => z.OursMeanAbs > 1e-5))
        {
            problems.Add($"{key}: zero in exact arithmetic, but the mean |gradient| is {oursMeanAbs:E2} of the largest tensor's (more than float32 noise)");
        }

        // BatchNorm buffers after the step (running statistics with the momentum and the unbiased variance).
        IReadOnlyDictionary<string, Tensor> state = model.StateDict();
        Dictionary<string, JsonElement> exactBuffers = exact.GetProperty("bn_buffers").EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!);
        var buffers = new Kind("BatchNorm buffers");
        foreach (JsonElement entry in fixture.GetProperty("bn_buffers").EnumerateArray())
        {
            string key = entry.GetProperty("key").GetString()!;
            float[] values = state[key].ToArray();
            if (!exactBuffers.TryGetValue(key, out JsonElement exactEntry))
            {
                // num_batches_tracked: an integer.
                values.Should().Equal([entry.GetProperty("sum").GetSingle()], $"{key} after one step");
                continue;
            }

            float[] torchFirst = Floats(entry.GetProperty("first").EnumerateArray());
            double[] exactFirst = [.. exactEntry.GetProperty("first").EnumerateArray().Select(e => e.GetDouble())];
            double torchSum = entry.GetProperty("sum").GetDouble(), exactSum = exactEntry.GetProperty("sum").GetDouble(), sum = values.Sum(v => (double)v);
            double scale = Math.Max(exactFirst.Max(Math.Abs), Math.Abs(exactSum) / values.Length), sumScale = Math.Max(Math.Abs(exactSum), scale);
            float[] first = values[..exactFirst.Length];
            buffers.Add(
                key,
                Math.Max(MaxDifference(first, torchFirst) / scale, Math.Abs(sum - torchSum) / sumScale),
                Math.Max(MaxDifference(first, exactFirst) / scale, Math.Abs(sum - exactSum) / sumScale),
                Math.Max(MaxDifference(torchFirst, exactFirst) / scale, Math.Abs(torchSum - exactSum) / sumScale));
        }

        double inputGradientAbsSum = inputGradient.ToArray().Sum(g => Math.Abs((double)g));
        double torchInputGradient = fixture.GetProperty("input_grad_abs_sum").GetDouble(), exactInputGradient = exact.GetProperty("input_grad_abs_sum").GetDouble();
        var inputKind = new Kind("input gradient |sum|");
        inputKind.Add(
            "input",
            Math.Abs(inputGradientAbsSum - torchInputGradient) / exactInputGradient,
            Math.Abs(inputGradientAbsSum - exactInputGradient) / exactInputGradient,
            Math.Abs(torchInputGradient - exactInputGradient) / exactInputGradient);

        var report = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{name} training step, worst relative differences: ours vs PyTorch's float32 / ours vs float64 / PyTorch's float32 vs float64 → float64 tolerance:");
        foreach (Kind kind in new[] { logitsKind, lossKind, sums, absSums, firsts, buffers, inputKind })
        {
            report.Append(kind.Report());
            problems.AddRange(kind.Problems());
        }

        report.Append(CultureInfo.InvariantCulture, $"\n  {zeroGradients.Count} gradients zero in exact arithmetic (float32 noise), ours at most {(zeroGradients.Count == 0 ? 0 : zeroGradients.Max(z => z.OursMeanAbs)):E2} of the largest mean |gradient|");
        output.WriteLine(report.ToString());
        problems.Should().BeEmpty($"{name}'s training step should be torchvision's");
    }

    /// <summary>
    /// One kind of compared value (logits, gradient sums, …), item by item: ours vs PyTorch's float32, ours vs
    /// float64, PyTorch's float32 vs float64. An item passes within <see cref="OutputTolerance"/> of PyTorch's float32
    /// value, or within <see cref="Tolerance"/> of the float64 value.
    /// </summary>
    private sealed class Kind(string what)
    {
        private readonly List<(string Key, double VersusTorch, double VersusExact, double TorchVersusExact)> _items = [];

        /// <summary><see cref="Float64Floor"/>, or 3 × PyTorch's own float32 error for this kind in this model (its worst item) where that is larger.</summary>
        public double Tolerance => Math.Max(Float64Floor, 3 * _items.Select(i => i.TorchVersusExact).DefaultIfEmpty().Max());

        public void Add(string key, double versusTorch, double versusExact, double torchVersusExact) => _items.Add((key, versusTorch, versusExact, torchVersusExact));

        public IEnumerable<string> Problems() =>
            _items.Where(i => i.VersusTorch > OutputTolerance && i.VersusExact > Tolerance)
                .Select(i => $"{what} of {i.Key}: {i.VersusTorch:E2} from PyTorch's float32 and {i.VersusExact:E2} from float64 (tolerance {Tolerance:E2}; PyTorch's float32 is {i.TorchVersusExact:E2} from float64)");

        public string Report()
        {
            if (_items.Count == 0)
            {
                return $"\n  {what}: none";
            }

            var worst = _items.MaxBy(i => i.VersusExact);
            int viaFloat64 = _items.Count(i => i.VersusTorch > OutputTolerance);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"\n  {what}: {_items.Max(i => i.VersusTorch):E2} / {_items.Max(i => i.VersusExact):E2} / {_items.Max(i => i.TorchVersusExact):E2} → {Tolerance:E2} (worst vs float64: {worst.Key}; {viaFloat64} of {_items.Count} beyond 1e-4 of PyTorch's float32)");
        }
    }

    /// <summary>Puts every Dropout and StochasticDepth in evaluation mode (what the fixtures do after <c>model.train()</c>).</summary>
    /// <returns>Their paths, in module order.</returns>
    public static List<string> EvalDropoutAndStochasticDepth(Module model)
    {
        var names = new List<string>();
        foreach ((string path, ILayer layer) in model.NamedModules())
        {
            if (layer is DropoutLayer or StochasticDepth)
            {
                ((Layer)layer).Eval();
                names.Add(path);
            }
        }

        return names;
    }

    /// <summary>max |actual − expected| over max |expected|.</summary>
    public static double Relative(IReadOnlyList<float> actual, IReadOnlyList<float> expected) => Relative(actual, [.. expected.Select(e => (double)e)]);

    /// <summary>max |actual − expected| over max |expected|.</summary>
    public static double Relative(IReadOnlyList<float> actual, IReadOnlyList<double> expected)
    {
        actual.Count.Should().Be(expected.Count);
        return MaxDifference(actual, expected) / expected.Max(Math.Abs);
    }

    private static double MaxDifference(IReadOnlyList<float> actual, IReadOnlyList<float> expected) => MaxDifference(actual, [.. expected.Select(e => (double)e)]);

    private static double MaxDifference(IReadOnlyList<float> actual, IReadOnlyList<double> expected) =>
        actual.Zip(expected).Max(pair => Math.Abs(pair.First - pair.Second));

    /// <summary>Releases the last model before the next large one is built.</summary>
    public static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>
    /// The model's modules described as torchvision prints them, counted: <c>BatchNorm2d(eps=1e-05, momentum=0.1)</c>,
    /// <c>SiLU</c>, <c>Dropout(p=0.2)</c>, <c>StochasticDepth(mode=row)</c>, <c>LayerNorm2d(eps=1e-06)</c>, …
    /// (pools are left out: torchvision prints an int and a tuple output size differently, ours are one type).
    /// </summary>
    private static Dictionary<string, int> ModuleSettings(Module model)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            string? description = layer switch
            {
                BatchNorm2d norm => $"BatchNorm2d(eps={Py(norm.Eps)}, momentum={Py(norm.Momentum)})",
                LayerNorm2d norm => $"LayerNorm2d(eps={Py(norm.Eps)})",
                LayerNorm norm => $"LayerNorm(eps={Py(norm.Eps)})",
                GELU gelu => $"GELU(approximate={gelu.Approximate})",
                StochasticDepth depth => $"StochasticDepth(mode={depth.Mode})",
                Dropout dropout => $"Dropout(p={Py(dropout.P)})",
                SiLU or ReLU or Sigmoid => layer.Name,
                _ => null,
            };
            if (description is not null)
            {
                counts[description] = counts.GetValueOrDefault(description) + 1;
            }
        }

        return counts;
    }

    private static Dictionary<string, int> ExpectedModuleSettings(string name)
    {
        JsonElement modules = ManifestModel(name).GetProperty("modules");
        return modules.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Number && !p.Name.StartsWith("AdaptiveAvgPool2d", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.Ordinal);
    }

    private static List<double> StochasticDepthProbabilities(Module model) =>
        [.. model.NamedModules().Select(m => m.Layer).OfType<StochasticDepth>().Select(s => (double)s.P)];

    private static List<double> ExpectedStochasticDepthProbabilities(string name) =>
        ManifestModel(name).GetProperty("modules").TryGetProperty("StochasticDepth p (in module order)", out JsonElement list)
            ? [.. list.EnumerateArray().Select(e => e.GetDouble())]
            : [];

    private static readonly Lazy<JsonElement> ManifestRoot = new(() => ReadFixture("manifest.json"));

    private static JsonElement ManifestModel(string name) =>
        ManifestRoot.Value.GetProperty("models").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    /// <summary>A float as Python's repr prints the double torchvision passed (1e-05, 0.001, 0.2).</summary>
    private static string Py(float value) => ExponentForm().Replace(value.ToString("R", CultureInfo.InvariantCulture), m => "e" + m.Groups[1].Value + m.Groups[2].Value.PadLeft(2, '0')).Replace("E", "e", StringComparison.Ordinal);

    [GeneratedRegex("E([+-])0*([0-9]+)")]
    private static partial Regex ExponentForm();

    private static float[] Floats(IEnumerable<JsonElement> values) => [.. values.Select(e => e.GetSingle())];

    private static double[] Doubles2(JsonElement rows) => [.. rows.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetDouble())];

    private static readonly Lazy<JsonElement> Float64Root = new(() => ReadFixture("scaled_float64.json"));

    /// <summary>The float64 recomputation of <paramref name="name"/> (make_scaled_float64.py).</summary>
    private static JsonElement Float64Of(string name) =>
        Float64Root.Value.GetProperty("models").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    private static JsonElement ReadFixture(string file)
    {
        using FileStream stream = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Golden", "torchvision", file));
        return JsonDocument.Parse(stream).RootElement.Clone();
    }

    private static string Show(float[] values) => Show([.. values.Select(v => (double)v)]);

    private static string Show(double[] values) => "[" + string.Join(", ", values.Select(v => v.ToString("G6", CultureInfo.InvariantCulture))) + "]";
}
