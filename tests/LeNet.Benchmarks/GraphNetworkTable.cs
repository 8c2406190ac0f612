using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace LeNet.Benchmarks;

/// <summary>
/// The graph networks' table, as markdown: per network and "batch×threads" case, the medians of this library's
/// <c>Forward</c>, ONNX Runtime's and libtorch's (TorchSharp) run in the same process, and each engine's time ÷ ours
/// (&gt; 1 is faster).
/// </summary>
public static class GraphNetworkTable
{
    public static string Render(IReadOnlyList<Summary> summaries)
    {
        var medians = new Dictionary<(string Network, string Case, string Method), double>();
        var rows = new List<(string Network, string Case)>();
        foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports))
        {
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
        text.AppendLine(CultureInfo.InvariantCulture, $"Graph networks, {DateTime.UtcNow:yyyy-MM-dd HH:mm}, ISA: {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "Vector256" : "Vector128/scalar")}");
        text.AppendLine("| network | batch×threads | Forward (ms) | ONNX Runtime (ms) | TorchSharp (ms) | ORT ÷ Forward | TorchSharp ÷ Forward |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach ((string network, string @case) in rows)
        {
            double ours = medians.GetValueOrDefault((network, @case, "Forward"), double.NaN) / 1e6;
            double ort = medians.GetValueOrDefault((network, @case, "OnnxRuntime"), double.NaN) / 1e6;
            double torch = medians.GetValueOrDefault((network, @case, "TorchSharp"), double.NaN) / 1e6;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {network} | {@case} | {ours:F2} | {ort:F2} | {torch:F2} | {ort / ours:F2}× | {torch / ours:F2}× |");
        }

        return text.ToString();
    }
}
