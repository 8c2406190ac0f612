using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;
using BenchmarkDotNet.Reports;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// The run's headline tables, as markdown: for each network (<see cref="EngineBenchmarks"/> subclass
/// measured), the median time of every path, each path's speed relative to ONNX Runtime (ORT's median
/// time ÷ the path's, &gt; 1 is faster), its fraction of the FMA peak measured in the same run, bytes
/// allocated per call; then the issue's targets checked against them, and the per-layer table.
/// </summary>
public static class ResultTable
{
    private static readonly string[] Paths = ["Forward", "Predictor", "OnnxRuntime", "TorchSharp"];

    public static string Render(IReadOnlyList<Summary> summaries)
    {
        var medians = new Dictionary<Key, double>();
        var allocated = new Dictionary<Key, long>();
        var flops = new Dictionary<string, long>();
        var models = new List<string>();
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is null)
            {
                continue;
            }

            Type type = report.BenchmarkCase.Descriptor.Type;
            string model = "";
            if (typeof(EngineBenchmarks).IsAssignableFrom(type) && !type.IsAbstract)
            {
                var engines = (EngineBenchmarks)Activator.CreateInstance(type)!;
                model = engines.ModelName;
                if (!flops.ContainsKey(model))
                {
                    flops[model] = engines.FlopsPerImage();
                    models.Add(model);
                }
            }
            else if (type == typeof(NaiveBenchmarks))
            {
                model = "LeNet";
            }

            string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            var key = new Key(model, method, Parameter(report, "Batch", 0), Parameter(report, "Threads", 1));
            // The peak is a maximum: the probe's fastest iteration, the others' medians.
            medians[key] = method.StartsWith("FmaPeak", StringComparison.Ordinal) ? report.ResultStatistics.Min : report.ResultStatistics.Median;
            allocated[key] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"LeNet benchmark, {DateTime.UtcNow:yyyy-MM-dd}, {CpuModel()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, ISA: {Isa()}");
        double peak = Math.Max(PeakFlops(medians, "FmaPeak256", 8), PeakFlops(medians, "FmaPeak512", Vector512.IsHardwareAccelerated ? 16 : 8));
        text.AppendLine(peak > 0
            ? string.Create(CultureInfo.InvariantCulture, $"FMA peak of one core (probe, same run, fastest iteration): {peak / 1e9:F1} GFLOP/s.")
            : "FMA peak not measured (add `*FmaPeak*` to the filter for the % of peak columns).");
        foreach (string model in models)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{model}: {flops[model] / 1e6:F3} MFLOP per image (Sequential.Summary(1, 1, 28, 28).TotalFlops).");
        }

        foreach (string model in models)
        {
            text.AppendLine();
            AppendModel(text, model, flops[model], peak, medians, allocated);
        }

        text.AppendLine();
        AppendTargets(text, medians, allocated, peak, flops);
        AppendLayers(text, medians);
        return text.ToString();
    }

    private static void AppendModel(StringBuilder text, string model, long flopsPerImage, double peak, Dictionary<Key, double> medians, Dictionary<Key, long> allocated)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"**{model}** — median µs per call; speed vs ORT = ORT's time ÷ the path's (> 1 is faster); % of the FMA peak of the cores used.");
        text.AppendLine();
        text.AppendLine("| batch | threads | Forward µs | Predictor µs | ORT µs | TorchSharp µs | naive µs | Forward vs ORT | Predictor vs ORT | TorchSharp vs ORT | Forward vs Predictor | Forward % peak | Predictor % peak | ORT % peak | TorchSharp % peak | Forward B/call | Predictor B/call |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach ((int batch, int threads) in medians.Keys.Where(k => k.Model == model && Paths.Contains(k.Method)).Select(k => (k.Batch, k.Threads)).Distinct().Order())
        {
            double? Time(string path) => Find(medians, model, path, batch, threads);
            string PercentOfPeak(string path) =>
                peak > 0 && Time(path) is double ns ? (batch / (ns * 1e-9) * flopsPerImage / (peak * threads) * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "–";
            string Bytes(string path) => allocated.TryGetValue(new Key(model, path, batch, threads), out long b) && b >= 0 ? b.ToString(CultureInfo.InvariantCulture) : "–";
            double? ort = Time("OnnxRuntime");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {batch} | {threads} | {Us(Time("Forward"))} | {Us(Time("Predictor"))} | {Us(ort)} | {Us(Time("TorchSharp"))} | {Us(Find(medians, model, "Naive", batch, 1))} | {Ratio(ort, Time("Forward"))} | {Ratio(ort, Time("Predictor"))} | {Ratio(ort, Time("TorchSharp"))} | {Ratio(Time("Predictor"), Time("Forward"))} | {PercentOfPeak("Forward")} | {PercentOfPeak("Predictor")} | {PercentOfPeak("OnnxRuntime")} | {PercentOfPeak("TorchSharp")} | {Bytes("Forward")} | {Bytes("Predictor")} |");
        }
    }

    private static void AppendTargets(StringBuilder text, Dictionary<Key, double> medians, Dictionary<Key, long> allocated, double peak, Dictionary<string, long> flops)
    {
        double? T(string model, string path, int batch, int threads) => Find(medians, model, path, batch, threads);
        text.AppendLine("Targets (issue #13; same-run ratios):");
        text.AppendLine();

        // LeNet: Forward ≥ 0.9× the Predictor everywhere; both ≥ 2.0× ORT at 256/2 threads and ≥ 2.5× (latency ≤ 0.4×) at 1/1.
        Key? worst = medians.Keys
            .Where(k => k.Model == "LeNet" && k.Method == "Forward" && T("LeNet", "Predictor", k.Batch, k.Threads) is not null)
            .OrderBy(k => T("LeNet", "Predictor", k.Batch, k.Threads) / medians[k]).Cast<Key?>().FirstOrDefault();
        Target(text, worst is Key w ? $"LeNet: Forward ≥ 0.9× the Predictor's speed (worst row: batch {w.Batch}, {w.Threads} thread{S(w.Threads)})" : "LeNet: Forward ≥ 0.9× the Predictor's speed (worst row)",
            worst is Key k ? T("LeNet", "Predictor", k.Batch, k.Threads) / medians[k] : null, 0.9, atLeast: true, "×");
        foreach (string path in new[] { "Forward", "Predictor" })
        {
            Target(text, $"LeNet, {path}, batch 256, 2 threads: ≥ 2.0× ONNX Runtime", T("LeNet", "OnnxRuntime", 256, 2) / T("LeNet", path, 256, 2), 2.0, atLeast: true, "×");
            Target(text, $"LeNet, {path}, batch 1, 1 thread: latency ≤ 0.4× ONNX Runtime", T("LeNet", path, 1, 1) / T("LeNet", "OnnxRuntime", 1, 1), 0.4, atLeast: false, "×");
        }

        // pytorch/examples' Net through Forward: ≥ 1.2× ORT at batch 64 and 256 on 2 threads, ≥ 1.0× at batch 1.
        foreach (int batch in new[] { 64, 256 })
        {
            Target(text, $"ExamplesNet, Forward, batch {batch}, 2 threads: ≥ 1.2× ONNX Runtime", T("ExamplesNet", "OnnxRuntime", batch, 2) / T("ExamplesNet", "Forward", batch, 2), 1.2, atLeast: true, "×");
        }

        foreach (int threads in new[] { 1, 2 })
        {
            Target(text, $"ExamplesNet, Forward, batch 1, {threads} thread{S(threads)}: ≥ 1.0× ONNX Runtime", T("ExamplesNet", "OnnxRuntime", 1, threads) / T("ExamplesNet", "Forward", 1, threads), 1.0, atLeast: true, "×");
        }

        // 2 threads ≥ 1.8× one thread at batch 256 through Forward.
        foreach (string model in new[] { "LeNet", "ExamplesNet" })
        {
            Target(text, $"{model}, Forward, batch 256: 2 threads ≥ 1.8× one thread", T(model, "Forward", 256, 1) / T(model, "Forward", 256, 2), 1.8, atLeast: true, "×");
        }

        // The predictor's own targets (issue #3), kept.
        double? p256 = T("LeNet", "Predictor", 256, 1);
        Target(text, "LeNet, Predictor, batch 256, 1 thread: ≥ 65% of one core's FMA peak",
            peak > 0 && flops.TryGetValue("LeNet", out long lenetFlops) ? 256 / (p256 * 1e-9) * lenetFlops / peak * 100 : null, 65, atLeast: true, "%");
        foreach (int threads in new[] { 1, 2 })
        {
            Target(text, $"LeNet, Predictor, batch 1024 ≥ 0.9× batch-256 throughput ({threads} thread{S(threads)})",
                T("LeNet", "Predictor", 256, threads) / (T("LeNet", "Predictor", 1024, threads) / 4), 0.9, atLeast: true, "×");
        }

        long most = allocated.Where(a => a.Key.Method == "Predictor").Select(a => a.Value).DefaultIfEmpty(-1).Max();
        Target(text, "0 bytes allocated per Predictor call", most < 0 ? null : most, 0, atLeast: false, " B");
        text.AppendLine();
    }

    private static void AppendLayers(StringBuilder text, Dictionary<Key, double> medians)
    {
        string[] layers = ["Conv1", "Pool1", "Conv2", "Pool2", "Fc1", "Fc2", "Fc3"];
        if (!layers.Any(l => medians.ContainsKey(new Key("", l, 0, 1))))
        {
            return;
        }

        text.AppendLine("| layer (batch 64, 1 thread) | library µs | naive scalar µs | speed-up |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (string layer in layers)
        {
            double? library = Find(medians, "", layer, 0, 1), naive = Find(medians, "", layer + "Naive", 0, 1);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {layer} | {Us(library)} | {Us(naive)} | {Ratio(naive, library)} |");
        }

        foreach (string tile in new[] { "Conv1Tile", "Conv2Tile", "Fc1Tile" })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {tile} (predictor, fused, Vector256) | {Us(Find(medians, "", tile, 0, 1))} | | |");
        }
    }

    private static void Target(StringBuilder text, string name, double? value, double limit, bool atLeast, string unit)
    {
        string verdict = value is null ? "not measured" : (atLeast ? value >= limit : value <= limit) ? "holds" : "MISSED";
        text.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {(value is null ? "–" : value.Value.ToString("F2", CultureInfo.InvariantCulture) + unit)} — {verdict}");
    }

    private static string S(int count) => count == 1 ? "" : "s";

    private static int Parameter(BenchmarkReport report, string name, int fallback) =>
        report.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is int value ? value : fallback;

    private static double? Find(Dictionary<Key, double> medians, string model, string method, int batch, int threads) =>
        medians.TryGetValue(new Key(model, method, batch, threads), out double value) ? value : null;

    private static double PeakFlops(Dictionary<Key, double> medians, string method, int lanes) =>
        Find(medians, "", method, 0, 1) is double ns ? FmaPeakBenchmarks.Flops(lanes) / (ns * 1e-9) : 0;

    private static string Us(double? nanoseconds) => nanoseconds is null ? "–" : (nanoseconds.Value / 1000).ToString(nanoseconds < 100_000 ? "F1" : "F0", CultureInfo.InvariantCulture);

    private static string Ratio(double? other, double? ours) => other is null || ours is null ? "–" : (other.Value / ours.Value).ToString("F2", CultureInfo.InvariantCulture) + "×";

    private static string Isa() =>
        $"{SimdSupport.Best} kernels (Vector512 {(Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, Vector256 {(Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")})";

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    /// <summary>One measured case: the network (empty for probes and layer kernels), the method, and its parameters (0 and 1 when absent).</summary>
    private readonly record struct Key(string Model, string Method, int Batch, int Threads);
}
