using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;
using BenchmarkDotNet.Reports;
using LeNet.Kernels.Simd;

namespace LeNet.Benchmarks;

/// <summary>
/// The run's headline table, as markdown: medians per engine, the predictor's speed relative to ONNX
/// Runtime and TorchSharp (their median time ÷ ours), its fraction of the FMA peak measured in the same
/// run, and the issue's targets checked against them.
/// </summary>
public static class ResultTable
{
    public static string Render(IReadOnlyList<Summary> summaries)
    {
        var medians = new Dictionary<(string Method, int Batch, int Threads), double>();
        var allocated = new Dictionary<(string Method, int Batch, int Threads), long>();
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is null)
            {
                continue;
            }

            string method = report.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            int batch = Parameter(report, "Batch", 0);
            int threads = Parameter(report, "Threads", 1);
            // The peak is a maximum: the probe's fastest iteration, the others' medians.
            medians[(method, batch, threads)] = method.StartsWith("FmaPeak", StringComparison.Ordinal) ? report.ResultStatistics.Min : report.ResultStatistics.Median;
            allocated[(method, batch, threads)] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"LeNet benchmark, {DateTime.UtcNow:yyyy-MM-dd}, {CpuModel()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, ISA: {Isa()}");
        double peak = Math.Max(PeakFlops(medians, "FmaPeak256", 8), PeakFlops(medians, "FmaPeak512", Vector512.IsHardwareAccelerated ? 16 : 8));
        if (peak > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"FMA peak of one core (probe, same run, fastest iteration): {peak / 1e9:F1} GFLOP/s; LeNet forward = {LeNetWeights.FlopsPerImage / 1e6:F3} MFLOP per image.");
        }

        text.AppendLine();
        text.AppendLine("| batch | threads | Predictor µs | Forward µs | ORT µs | TorchSharp µs | naive µs | Predictor images/s | speed vs ORT | speed vs TorchSharp | % of FMA peak | Predictor B/call |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach ((int batch, int threads) in medians.Keys.Where(k => k.Method == "Predictor").Select(k => (k.Batch, k.Threads)).Order())
        {
            double predictor = medians[("Predictor", batch, threads)];
            double? ort = Find(medians, "OnnxRuntime", batch, threads);
            double? torch = Find(medians, "TorchSharp", batch, threads);
            double imagesPerSecond = batch / (predictor * 1e-9);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {batch} | {threads} | {Us(predictor)} | {Us(Find(medians, "Forward", batch, threads))} | {Us(ort)} | {Us(torch)} | {Us(Find(medians, "Naive", batch, 1))} | {imagesPerSecond:F0} | {Ratio(ort, predictor)} | {Ratio(torch, predictor)} | {(peak > 0 ? (imagesPerSecond * LeNetWeights.FlopsPerImage / (peak * threads) * 100).ToString("F0", CultureInfo.InvariantCulture) + "%" : "–")} | {allocated[("Predictor", batch, threads)]} |");
        }

        text.AppendLine();
        AppendTargets(text, medians, allocated, peak);
        AppendLayers(text, medians);
        return text.ToString();
    }

    private static void AppendTargets(StringBuilder text, Dictionary<(string, int, int), double> medians, Dictionary<(string, int, int), long> allocated, double peak)
    {
        double? p = Find(medians, "Predictor", 256, 2), o = Find(medians, "OnnxRuntime", 256, 2);
        Target(text, "batch 256, 2 threads: throughput ≥ 2.0× ONNX Runtime", o / p, 2.0, atLeast: true, "×");
        p = Find(medians, "Predictor", 1, 1);
        o = Find(medians, "OnnxRuntime", 1, 1);
        Target(text, "batch 1, 1 thread: latency ≤ 0.4× ONNX Runtime", p / o, 0.4, atLeast: false, "×");
        p = Find(medians, "Predictor", 256, 1);
        Target(text, "batch 256, 1 thread: ≥ 65% of one core's FMA peak", peak > 0 ? 256 / (p * 1e-9) * LeNetWeights.FlopsPerImage / peak * 100 : null, 65, atLeast: true, "%");
        foreach (int threads in new[] { 1, 2 })
        {
            double? b256 = Find(medians, "Predictor", 256, threads), b1024 = Find(medians, "Predictor", 1024, threads);
            Target(text, $"batch 1024 ≥ 0.9× batch-256 throughput ({threads} thread{(threads == 1 ? "" : "s")})", b256 / (b1024 / 4), 0.9, atLeast: true, "×");
        }

        foreach (int batch in new[] { 256, 1024 })
        {
            Target(text, $"2 threads ≥ 1.8× one thread (batch {batch})", Find(medians, "Predictor", batch, 1) / Find(medians, "Predictor", batch, 2), 1.8, atLeast: true, "×");
        }

        long worst = allocated.Where(a => a.Key.Item1 == "Predictor").Select(a => a.Value).DefaultIfEmpty(-1).Max();
        Target(text, "0 bytes allocated per Predictor call", worst < 0 ? null : worst, 0, atLeast: false, " B");
        text.AppendLine();
    }

    private static void AppendLayers(StringBuilder text, Dictionary<(string Method, int, int), double> medians)
    {
        string[] layers = ["Conv1", "Pool1", "Conv2", "Pool2", "Fc1", "Fc2", "Fc3"];
        if (!layers.Any(l => medians.ContainsKey((l, 0, 1))))
        {
            return;
        }

        text.AppendLine("| layer (batch 64, 1 thread) | library µs | naive scalar µs | speed-up |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (string layer in layers)
        {
            double? library = Find(medians, layer, 0, 1), naive = Find(medians, layer + "Naive", 0, 1);
            text.AppendLine(CultureInfo.InvariantCulture, $"| {layer} | {Us(library)} | {Us(naive)} | {Ratio(naive, library)} |");
        }

        foreach (string tile in new[] { "Conv1Tile", "Conv2Tile", "Fc1Tile" })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {tile} (predictor, fused, Vector256) | {Us(Find(medians, tile, 0, 1))} | | |");
        }
    }

    private static void Target(StringBuilder text, string name, double? value, double limit, bool atLeast, string unit)
    {
        string verdict = value is null ? "not measured" : (atLeast ? value >= limit : value <= limit) ? "holds" : "MISSED";
        text.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {(value is null ? "–" : value.Value.ToString("F2", CultureInfo.InvariantCulture) + unit)} — {verdict}");
    }

    private static int Parameter(BenchmarkReport report, string name, int fallback) =>
        report.BenchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value is int value ? value : fallback;

    private static double? Find(Dictionary<(string, int, int), double> medians, string method, int batch, int threads) =>
        medians.TryGetValue((method, batch, threads), out double value) ? value : null;

    private static double PeakFlops(Dictionary<(string, int, int), double> medians, string method, int lanes) =>
        Find(medians, method, 0, 1) is double ns ? FmaPeakBenchmarks.Flops(lanes) / (ns * 1e-9) : 0;

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
}
