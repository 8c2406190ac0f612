using System.Diagnostics;
using System.Globalization;

namespace LeNet.Benchmarks;

/// <summary>
/// <c>graph-alternate NETS CASE PAIRS</c>: <see cref="GraphNetworkBenchmarks"/>' own <c>Forward</c> and <c>OnnxRuntime</c>
/// methods called alternately, PAIRS times after 30 warm-up pairs, for a machine too busy for BenchmarkDotNet's short
/// runs: each pair sees about the same load, and the 10th percentile and the median of each side give the ratio.
/// NETS is comma-separated (<c>mobilenet_v2,squeezenet1_1</c>), CASE is "batch×threads" (<c>1x1</c>), PAIRS defaults to 200.
/// Also prints the bytes one warm <c>Forward</c> allocates.
/// </summary>
internal static class GraphNetworkAlternatingProbe
{
    public static void Run(string[] args)
    {
        if (args.Length is < 1 or > 3)
        {
            throw new ArgumentException("graph-alternate: expected NETS [CASE [PAIRS]], e.g. 'graph-alternate mobilenet_v2,squeezenet1_1 1x1 200'.");
        }

        string isa = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0" ? "Vector256 (DOTNET_EnableAVX512=0)" : "default ISA";
        int pairs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
        foreach (string network in args[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var bench = new GraphNetworkBenchmarks { Network = network, Case = args.Length > 1 ? args[1] : "1x1" };
            bench.Setup();
            try
            {
                for (int i = 0; i < 30; i++)
                {
                    bench.Forward();
                    bench.OnnxRuntime();
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                bench.Forward();
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

                var ours = new double[pairs];
                var ort = new double[pairs];
                for (int i = 0; i < pairs; i++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    bench.Forward();
                    long t1 = Stopwatch.GetTimestamp();
                    bench.OnnxRuntime();
                    long t2 = Stopwatch.GetTimestamp();
                    ours[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                    ort[i] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                }

                Array.Sort(ours);
                Array.Sort(ort);
                double p10 = Percentile(ort, 0.1) / Percentile(ours, 0.1), p50 = Percentile(ort, 0.5) / Percentile(ours, 0.5);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{network} {bench.Case}, {isa}: Forward p10 {Percentile(ours, 0.1):F2} ms, median {Percentile(ours, 0.5):F2} ms | ONNX Runtime p10 {Percentile(ort, 0.1):F2} ms, median {Percentile(ort, 0.5):F2} ms | ORT ÷ Forward p10 {p10:F2}×, median {p50:F2}× | {allocated} bytes allocated per Forward"));
            }
            finally
            {
                bench.Cleanup();
            }
        }
    }

    private static double Percentile(double[] sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];
}
