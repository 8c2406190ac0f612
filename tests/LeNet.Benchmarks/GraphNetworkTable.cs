using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;
using BenchmarkDotNet.Reports;

namespace LeNet.Benchmarks;

/// <summary>
/// The graph networks' table, as markdown: per network and "batch×threads" case, the medians of this library's
/// <c>Forward</c>, ONNX Runtime's and libtorch's (TorchSharp) run in the same process, and each engine's time ÷ ours
/// (&gt; 1 is faster), and, when <c>*FmaPeak*</c> ran in the same run, each engine's fraction of the FMA peak of the
/// cores it used (FLOPs of the network as <see cref="Layers.Module.Summary"/> counts them, a multiply-add is 2).
/// </summary>
public static class GraphNetworkTable
{
    public static string Render(IReadOnlyList<Summary> summaries)
    {
        var medians = new Dictionary<(string Network, string Case, string Method), double>();
        var rows = new List<(string Network, string Case)>();
        double peak = 0;
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
            if (report.ResultStatistics is not null && report.BenchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmarks))
            {
                // The peak is a maximum: the probe's fastest iteration.
                bool wide = report.BenchmarkCase.Descriptor.WorkloadMethod.Name == nameof(FmaPeakBenchmarks.FmaPeak512) && Vector512.IsHardwareAccelerated;
                peak = Math.Max(peak, FmaPeakBenchmarks.Flops(wide ? 16 : 8) / (report.ResultStatistics.Min * 1e-9));
            }

            if (report.ResultStatistics is null || report.BenchmarkCase.Descriptor.Type != typeof(GraphNetworkBenchmarks))
            {
                continue;
            }

            string network = (string)report.BenchmarkCase.Parameters["Network"];
            string @case = (string)report.BenchmarkCase.Parameters["Case"];
            medians[(network, @case, report.BenchmarkCase.Descriptor.WorkloadMethod.Name)] = report.ResultStatistics.Median;
            if (!rows.Contains((network, @case)))
            {
                rows.Add((network, @case));
            }
        }

        if (rows.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Graph networks, {DateTime.UtcNow:yyyy-MM-dd HH:mm}, ISA: {(Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128/scalar")}");
        text.AppendLine(peak > 0
            ? string.Create(CultureInfo.InvariantCulture, $"FMA peak of one core (probe, same run, fastest iteration): {peak / 1e9:F1} GFLOP/s.")
            : "FMA peak not measured (add `*FmaPeak*` to the filter for the % of peak columns).");
        text.AppendLine("| network | batch×threads | Forward (ms) | ONNX Runtime (ms) | TorchSharp (ms) | ORT ÷ Forward | TorchSharp ÷ Forward | Forward % peak | ORT % peak | TorchSharp % peak |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var flops = new Dictionary<string, long>();
        foreach ((string network, string @case) in rows)
        {
            double ours = medians.GetValueOrDefault((network, @case, "Forward"), double.NaN) / 1e6;
            double ort = medians.GetValueOrDefault((network, @case, "OnnxRuntime"), double.NaN) / 1e6;
            double torch = medians.GetValueOrDefault((network, @case, "TorchSharp"), double.NaN) / 1e6;
            string[] parts = @case.Split('x');
            int batch = int.Parse(parts[0], CultureInfo.InvariantCulture), threads = int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (peak > 0 && !flops.ContainsKey(network))
            {
                (Layers.Module model, int[] image, _) = GraphNetworkBenchmarks.Create(network);
                flops[network] = model.Summary([1, .. image]).TotalFlops;
            }

            string Percent(double milliseconds) => peak > 0 && double.IsFinite(milliseconds)
                ? (batch * flops[network] / (milliseconds * 1e-3) / (peak * threads) * 100).ToString("F0", CultureInfo.InvariantCulture) + "%"
                : "–";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {network} | {@case} | {ours:F2} | {ort:F2} | {torch:F2} | {ort / ours:F2}× | {torch / ours:F2}× | {Percent(ours)} | {Percent(ort)} | {Percent(torch)} |");
        }

        return text.ToString();
    }
}
