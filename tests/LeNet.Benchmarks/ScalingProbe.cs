using System.Diagnostics;
using System.Globalization;
using LeNet.Graphs;
using LeNet.IO;
using LeNet.Layers;
using Microsoft.ML.OnnxRuntime;

namespace LeNet.Benchmarks;

/// <summary>
/// A stopwatch probe (<c>scaling-probe NETWORK BATCH [SECONDS [BLOCK [CONFIGS]]]</c>) of one graph network's <c>Forward</c>
/// on one thread against two, and ONNX Runtime's on one and two (CONFIGS, comma-separated: 1, 2, ort1, ort2; all four by
/// default). The configurations alternate in blocks of BLOCK calls, the first of each block untimed, so ONNX Runtime's
/// spinning workers have stopped before our block is timed (call-by-call alternation leaves them on the core our split
/// needs). Each compiled segment of ours is also timed inside the runs (every other call, through
/// <c>GraphPlan.Run</c>'s segment hook), so the segments that lose on two threads show up side by side. "Outside the
/// segments" is the rest of those hooked runs: the graph's own steps, and a copy of each segment's result into its value
/// that the hook costs and an unhooked <c>Forward</c> does not make (the segments then write their values directly).
/// The hooked segments write into buffers of the probe's own (allocated once), as the unhooked run writes its values, so
/// their times carry no allocation; ONNX Runtime's own per-node profile of the same network
/// (<c>scaling-probe NETWORK BATCH ort-profile RUNS</c>, one thread) sets them side by side with its layers.
/// </summary>
public static class ScalingProbe
{
    public static void Run(string[] args)
    {
        string network = args[0];
        int batch = int.Parse(args[1], CultureInfo.InvariantCulture);
        bool profile = args.Length > 2 && args[2] == "ort-profile";
        double seconds = args.Length > 2 && !profile ? double.Parse(args[2], CultureInfo.InvariantCulture) : 4.0;
        int block = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
        (Module model, int[] image, _) = GraphNetworkBenchmarks.Create(network);
        int[] shape = [batch, .. image];
        var input = Tensor.FromArray(GraphNetworkBenchmarks.Images(batch * image.Aggregate(1, (a, b) => a * b)), shape);
        string onnx = Path.Combine(Path.GetTempPath(), $"scaling-probe-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(model, onnx, shape);
        if (profile)
        {
            OrtProfile(onnx, shape, input, runs: block);
            return;
        }

        int classes = model.Forward(input).Shape[^1];
        GraphPlan plan = model.Plans!.PlanFor(shape)!;
        var segments = plan.Segments;

        // Configurations: our Forward on "1" or "2" threads; "ort1" and "ort2", ONNX Runtime on the same weights with 1 and 2
        // intra-op threads (a session each).
        string[] configs = args.Length > 4 ? args[4].Split(',') : ["1", "2", "ort1", "ort2"];
        int[] threads = [.. configs.Select(c => int.Parse(c.Replace("ort", "", StringComparison.Ordinal), CultureInfo.InvariantCulture))];
        float[] ortOutput = new float[batch * classes];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input.ReadData.ToArray(), [.. shape.Select(d => (long)d)]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(ortOutput, [batch, classes]);
        using var runOptions = new RunOptions();
        var sessions = configs.Select((c, t) => c.StartsWith("ort", StringComparison.Ordinal) ? new InferenceSession(onnx, Options(threads[t])) : null).ToArray();
        File.Delete(onnx);
        var whole = threads.Select(_ => new List<double>()).ToArray();
        var perSegment = threads.Select(_ => segments.Select(_ => new List<double>()).ToArray()).ToArray();
        var outside = threads.Select(_ => new List<double>()).ToArray();
        var results = new Tensor?[segments.Length];
        var watch = Stopwatch.StartNew();
        for (int round = 0; watch.Elapsed.TotalSeconds < seconds || round < 4; round++)
        {
            for (int t = 0; t < threads.Length; t++)
            {
                Parallelism.MaxDegreeOfParallelism = threads[t];
                for (int i = 0; i <= block; i++)
                {
                    if (sessions[t] is { } session)
                    {
                        long s0 = Stopwatch.GetTimestamp();
                        session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName], [outputValue]);
                        if (i > 0 && round > 0)
                        {
                            whole[t].Add(Stopwatch.GetElapsedTime(s0).TotalMicroseconds);
                        }

                        continue;
                    }

                    bool hooked = (i & 1) == 0;
                    double inside = 0;
                    var per = new double[segments.Length];
                    long start = Stopwatch.GetTimestamp();
                    if (hooked)
                    {
                        plan.Run(input, (k, x) =>
                        {
                            // Into a buffer of the probe's own, as an unhooked run writes its value: no allocation timed.
                            results[k] ??= segments[k].Segment.Forward(x);
                            long s0 = Stopwatch.GetTimestamp();
                            bool written = segments[k].Segment.TryForwardInto(x, results[k]!.AsSpan(), results[k]!.Length / batch, 0, [], false);
                            per[k] = Stopwatch.GetElapsedTime(s0).TotalMicroseconds;
                            inside += per[k];
                            return written ? results[k] : segments[k].Segment.Forward(x);
                        });
                    }
                    else
                    {
                        model.Forward(input);
                    }

                    double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                    if (i == 0 || round == 0)
                    {
                        continue;
                    }

                    if (hooked)
                    {
                        outside[t].Add(us - inside);
                        for (int k = 0; k < segments.Length; k++)
                        {
                            perSegment[t][k].Add(per[k]);
                        }
                    }
                    else
                    {
                        whole[t].Add(us);
                    }
                }
            }
        }

        Parallelism.MaxDegreeOfParallelism = Environment.ProcessorCount;
        foreach (InferenceSession? session in sessions)
        {
            session?.Dispose();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{network} batch {batch}, {Kernels.Simd.SimdSupport.Best}, blocks of {block}, {whole[0].Count} calls each, load {File.ReadAllText("/proc/loadavg").Trim()}"));
        for (int t = 0; t < configs.Length; t++)
        {
            string outsideSegments = sessions[t] is null ? string.Create(CultureInfo.InvariantCulture, $"; outside the segments {P(outside[t], 0.5):F1} µs") : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {configs[t],-5} p10 {P(whole[t], 0.1),9:F1} µs, median {P(whole[t], 0.5),9:F1} µs{outsideSegments}"));
        }

        int[] ours = [.. Enumerable.Range(0, configs.Length).Where(t => sessions[t] is null)];
        Console.WriteLine($"| segment (median µs) | input | {string.Join(" | ", ours.Select(t => configs[t]))} |");
        Console.WriteLine($"|---|---|{string.Concat(ours.Select(_ => "---:|"))}");
        for (int k = 0; k < segments.Length; k++)
        {
            string name = string.Join(" ", segments[k].Segment.Select(l => l.GetType().Name));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {k} {name} | {string.Join("×", segments[k].InputShape)} | {string.Join(" | ", ours.Select(t => P(perSegment[t][k], 0.5).ToString("F1", CultureInfo.InvariantCulture)))} |"));
        }
    }

    /// <summary>ONNX Runtime's own profile of <paramref name="runs"/> one-thread runs: each node's median kernel time, in graph order.</summary>
    private static void OrtProfile(string onnx, int[] shape, Tensor input, int runs)
    {
        using SessionOptions options = Options(1);
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"ort-profile-{Environment.ProcessId}");
        using var session = new InferenceSession(onnx, options);
        File.Delete(onnx);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input.ReadData.ToArray(), [.. shape.Select(d => (long)d)]);
        using var runOptions = new RunOptions();
        for (int i = 0; i < runs; i++)
        {
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName]);
        }

        string path = session.EndProfiling();
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        File.Delete(path);
        var nodes = new Dictionary<string, List<double>>();
        var order = new List<string>();
        foreach (System.Text.Json.JsonElement e in document.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                continue;
            }

            string name = e.GetProperty("name").GetString()!.Replace("_kernel_time", "", StringComparison.Ordinal);
            string op = e.GetProperty("args").TryGetProperty("op_name", out System.Text.Json.JsonElement o) ? o.GetString()! : "";
            string key = $"{name} ({op})";
            if (!nodes.TryGetValue(key, out List<double>? list))
            {
                nodes[key] = list = [];
                order.Add(key);
            }

            list.Add(e.GetProperty("dur").GetDouble());
        }

        double total = 0;
        foreach (string key in order)
        {
            double median = P(nodes[key], 0.5);
            total += median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {key} | {median:F1} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum of node medians | {total:F1} |"));
    }

    /// <summary>ONNX Runtime's options for one sequential run on <paramref name="threads"/> intra-op threads, every graph optimization on.</summary>
    private static SessionOptions Options(int threads) =>
        new() { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };

    private static double P(List<double> samples, double q)
    {
        double[] sorted = [.. samples.Order()];
        return sorted.Length == 0 ? double.NaN : sorted[(int)(q * (sorted.Length - 1))];
    }
}
