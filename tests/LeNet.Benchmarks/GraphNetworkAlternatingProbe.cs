using System.Diagnostics;
using System.Globalization;

namespace LeNet.Benchmarks;

/// <summary>
/// <c>graph-alternate NETS CASE PAIRS</c>: <see cref="GraphNetworkBenchmarks"/>' own <c>Forward</c> and <c>OnnxRuntime</c>
/// methods called alternately, PAIRS times after 30 warm-up pairs, for a machine too busy for BenchmarkDotNet's short
/// runs: each pair sees about the same load, and the 10th percentile and the median of each side give the ratio.
/// NETS is comma-separated (<c>mobilenet_v2,squeezenet1_1</c>), CASE is "batch×threads" (<c>1x1</c>), PAIRS defaults to 200.
/// BLOCK (default 1) runs each side BLOCK times in a row per pair and times all but the first of them: on several threads
/// one engine's workers still spin for a while after its call (ONNX Runtime's intra-op threads by default, our split's
/// helper for up to 1 ms), on the cores the other engine's call needs, so strict alternation measures that contention.
/// Also prints the bytes one warm <c>Forward</c> allocates.
/// </summary>
internal static class GraphNetworkAlternatingProbe
{
    public static void Run(string[] args)
    {
        if (args.Length is < 1 or > 4)
        {
            throw new ArgumentException("graph-alternate: expected NETS [CASE [PAIRS [BLOCK]]], e.g. 'graph-alternate mobilenet_v2,squeezenet1_1 1x1 200'.");
        }

        int block = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1;

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

                int timed = block == 1 ? 1 : block - 1;
                var ours = new double[pairs * timed];
                var ort = new double[pairs * timed];
                for (int i = 0; i < pairs; i++)
                {
                    Time(bench.Forward, ours.AsSpan(i * timed, timed));
                    Time(bench.OnnxRuntime, ort.AsSpan(i * timed, timed));
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

    /// <summary>Calls <paramref name="call"/> once per entry of <paramref name="times"/> (once more first, untimed, when there are several).</summary>
    private static void Time(Action call, Span<double> times)
    {
        if (times.Length > 1)
        {
            call();
        }

        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
    }

    private static double Percentile(double[] sorted, double q) => sorted[(int)(q * (sorted.Length - 1))];
}
