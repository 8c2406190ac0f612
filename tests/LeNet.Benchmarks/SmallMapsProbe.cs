using System.Diagnostics;
using System.Globalization;
using LeNet.Graphs;
using LeNet.IO;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using Microsoft.ML.OnnxRuntime;

namespace LeNet.Benchmarks;

/// <summary>
/// A stopwatch probe (<c>smallmaps-probe BATCH THREADS [SECONDS [NETWORK]]</c>) of the CIFAR ResNet-20 (or NETWORK, one of
/// <see cref="GraphNetworkBenchmarks"/>' networks): the time of each compiled
/// segment of its graph plan (a convolution with its folded BatchNorm, ReLU or residual epilogue) run alone on a batch of
/// its input shape, with its GFLOP/s, beside the whole <c>Forward</c> and ONNX Runtime's run on the same weights, all
/// timed in alternation (10th percentile), so a per-layer profile and the same-run ratio come from one process. Also
/// prints the managed allocation of a call, a run with each segment timed inside it, and the segments alone on the
/// inputs that run gave them (a busy machine preempts long calls: compare those with the alternated figures).
/// </summary>
public static class SmallMapsProbe
{
    public static void Run(string[] args)
    {
        int batch = int.Parse(args[0], CultureInfo.InvariantCulture);
        int threads = int.Parse(args[1], CultureInfo.InvariantCulture);
        double seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1.0;
        Parallelism.MaxDegreeOfParallelism = threads;
        string network = args.Length > 3 ? args[3] : "resnet20";
        (Module model, int[] image, _) = GraphNetworkBenchmarks.Create(network);
        int[] shape = [batch, .. image];
        float[] images = GraphNetworkBenchmarks.Images(batch * image.Aggregate(1, (a, b) => a * b));
        var input = Tensor.FromArray(images, shape);
        int classes = model.Forward(input).Shape[^1];
        GraphPlan plan = model.Plans!.PlanFor(shape)!;
        var random = new Random(5);
        var rows = new List<(string Name, double MultiplyAdds, Action Run)>();
        foreach ((Sequential segment, int[] inShape) in plan.Segments)
        {
            var x = Tensor.FromArray([.. Enumerable.Range(0, inShape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)random.NextDouble())], inShape);
            segment.Forward(x);
            double macs = 0;
            string name = string.Join(" ", segment.Select(l => l.GetType().Name));
            int[] shapeIn = inShape;
            foreach (ILayer layer in segment)
            {
                int[] shapeOut = layer.GetOutputShape(shapeIn);
                if (layer is Conv2d c)
                {
                    // Every convolution of the segment (a block's two): N·O·H'·W' outputs of C·k·k multiply-adds.
                    macs += (double)shapeOut[0] * shapeOut[1] * shapeOut[2] * shapeOut[3] * c.InChannels * c.Kernel * c.Kernel;
                }

                shapeIn = shapeOut;
            }

            if (segment[0] is Conv2d conv)
            {
                name = $"conv {conv.InChannels}→{conv.OutChannels} s{conv.Step} {inShape[2]}×{inShape[3]} ({segment.Count} layers, {segment.Count(l => l is Conv2d)} conv)";
            }

            rows.Add((name, macs, () => segment.Forward(x)));
        }

        string onnx = Path.Combine(Path.GetTempPath(), $"smallmaps-probe-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(model, onnx, shape);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        using var runOptions = new RunOptions();
        float[] ortOutput = new float[batch * classes];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(images, [.. shape.Select(d => (long)d)]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(ortOutput, [batch, classes]);
        Action ours = () => model.Forward(input);
        Action ort = () => session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName], [outputValue]);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
        {
            ours();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"10 Forward calls: {watch.Elapsed.TotalMilliseconds:F1} ms, {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 10 / 1e6:F2} MB allocated per call, {GC.CollectionCount(0) - gen0} gen0 / {GC.CollectionCount(2) - gen2} gen2 collections"));
        double[] all = WinogradProbe.Alternate([ours, ort, .. rows.Select(r => r.Run)], TimeSpan.FromSeconds(seconds * 2));
        double[] whole = all[..2], times = all[2..];
        File.Delete(onnx);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{network} batch {batch}, {threads} thread(s), {SimdSupport.Best}: Forward {whole[0]:F1} µs, ORT {whole[1]:F1} µs, ORT ÷ ours {whole[1] / whole[0]:F2}× (load {File.ReadAllText("/proc/loadavg").Trim()})"));
        Console.WriteLine("| segment | µs | GFLOP/s |");
        Console.WriteLine("|---|---:|---:|");
        double sum = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            sum += times[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {rows[i].Name} | {times[i]:F1} | {2 * rows[i].MultiplyAdds / times[i] / 1e3:F1} |"));
        }


        var segs = plan.Segments;
        for (int round = 0; round < 2; round++)
        {
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            plan.Run(input);
            long a1 = GC.GetAllocatedBytesForCurrentThread();
            model.Forward(input);
            long a2 = GC.GetAllocatedBytesForCurrentThread();
            var one = segs[1];
            var x1 = new Tensor(one.InputShape);
            one.Segment.Forward(x1);
            long a3 = GC.GetAllocatedBytesForCurrentThread();
            Console.WriteLine($"allocated: plan.Run {(a1 - a0) / 1e6:F2} MB, Forward {(a2 - a1) / 1e6:F2} MB, one segment Forward {(a3 - a2) / 1e6:F2} MB");
        }

        var reals = new Tensor[segs.Length];
        for (int round = 0; round < 3; round++)
        {
            double inside = 0;
            var per = new double[segs.Length];
            long t0 = Stopwatch.GetTimestamp();
            plan.Run(input, (k, x) =>
            {
                long s0 = Stopwatch.GetTimestamp();
                Tensor y = segs[k].Segment.Forward(x);
                double e = Stopwatch.GetElapsedTime(s0).TotalMicroseconds;
                inside += e;
                per[k] = e;
                reals[k] = x;
                return y;
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plan run with hooked segments: {Stopwatch.GetElapsedTime(t0).TotalMicroseconds:F0} µs, inside segments {inside:F0} µs: {string.Join(" ", per.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))}"));
        }

        double[] realTimes = WinogradProbe.Alternate([.. Enumerable.Range(0, segs.Length).Select(k => (Action)(() => segs[k].Segment.Forward(reals[k])))], TimeSpan.FromSeconds(seconds));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"segments alone on the run's own inputs: {realTimes.Sum():F0} µs: {string.Join(" ", realTimes.Select(p => p.ToString("F0", CultureInfo.InvariantCulture)))}"));
        int subnormal = reals.Sum(r => r.ReadData.Count(float.IsSubnormal));
        Console.WriteLine($"subnormal inputs: {subnormal}, max |x| {reals.Max(r => r.ReadData.Max(MathF.Abs))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum of segments | {sum:F1} | |"));
    }
}
