using System.Diagnostics;
using System.Globalization;
using LeNet.IO;
using LeNet.Layers;
using Microsoft.ML.OnnxRuntime;

namespace LeNet.Benchmarks;

/// <summary>
/// What BenchmarkDotNet cannot measure in one process, one measurement per process (run by
/// <c>tests/LeNet.Benchmarks/graph-probe.sh</c>): the time from a state dict on disk to the first answer, beside
/// ONNX Runtime's session creation + first run, and the peak resident memory of a forward, beside ORT's.
/// </summary>
/// <remarks>
/// <c>graph-probe write NET DIR</c> writes DIR/NET.pth (this library's state dict, torch.save format) and DIR/NET-1.onnx,
/// DIR/NET-64.onnx (its <see cref="OnnxExporter"/> export at batch 1 and 64); <c>graph-probe load ours|ort NET DIR THREADS</c> prints the milliseconds
/// from nothing loaded to the first batch-1 answer (ours builds under <see cref="Module.SkipInit{T}(Func{T})"/>;
/// <c>ours-drawn</c> draws the initial values first, as before it); <c>graph-probe memory ours|ort NET DIR BATCH THREADS</c> loads,
/// runs three forwards (the third after a full collection) and prints the resident memory before them and the peak (VmHWM) of each, in MB;
/// <c>graph-probe phases ours|ours-drawn NET DIR THREADS</c> splits the load-to-first-answer time into its phases, then repeats them
/// in the same process (the second pass runs JIT-compiled code);
/// <c>graph-probe train ours resnet20 BATCH THREADS</c> times SGD steps.
/// </remarks>
public static class GraphNetworkProbe
{
    public static void Run(string[] args)
    {
        string network = args[2];
        string directory = args[3];
        string pth = Path.Combine(directory, network + ".pth");
        string Onnx(int batch) => Path.Combine(directory, $"{network}-{batch}.onnx");
        switch (args[0], args[1])
        {
            case ("write", _):
                Write(network, directory);
                break;
            case ("load", "ours"):
                Parallelism.MaxDegreeOfParallelism = Int(args[4]);
                Report("load", network, "ours", LoadOurs(network, pth, 1).Milliseconds);
                break;
            case ("load", "ours-drawn"):
                // As before Module.SkipInit: the architecture's initial values drawn, then overwritten by the load.
                Parallelism.MaxDegreeOfParallelism = Int(args[4]);
                Report("load", network, "ours-drawn", LoadOurs(network, pth, 1, skipInit: false).Milliseconds);
                break;
            case ("load", "ort"):
                Report("load", network, "ort", LoadOrt(network, Onnx(1), 1, Int(args[4])).Milliseconds);
                break;
            case ("memory", "ours"):
                {
                    Parallelism.MaxDegreeOfParallelism = Int(args[5]);
                    (Func<float> run, _) = LoadOurs(network, pth, Int(args[4]), firstRun: false);
                    Memory(network, "ours", run);
                    break;
                }

            case ("memory", "ort"):
                {
                    (Func<float> run, _) = LoadOrt(network, Onnx(Int(args[4])), Int(args[4]), Int(args[5]), firstRun: false);
                    Memory(network, "ort", run);
                    break;
                }

            case ("phases", "ours" or "ours-drawn"):
                Parallelism.MaxDegreeOfParallelism = Int(args[4]);
                Phases(network, pth, "", args[1] == "ours");

                // The same again in the same process: what is left once the code has been compiled (JIT) is the work itself.
                Phases(network, pth, " again", args[1] == "ours");
                break;

            case ("train", "ours"):
                Parallelism.MaxDegreeOfParallelism = Int(args[4]);
                Train(network, Int(args[3]));
                break;

            default:
                throw new ArgumentException($"graph-probe: unknown command '{args[0]} {args[1]}'.");
        }
    }

    private static void Write(string network, string directory)
    {
        (Module model, int[] image, _) = GraphNetworkBenchmarks.Create(network);
        Directory.CreateDirectory(directory);
        TorchFile.Write(Path.Combine(directory, network + ".pth"), model.StateDict());
        foreach (int batch in new[] { 1, 64 })
        {
            // Exported per batch size: the CIFAR ResNet's zero-padding shortcut exports its zeros with the example's batch.
            OnnxExporter.Export(model, Path.Combine(directory, $"{network}-{batch}.onnx"), [batch, .. image]);
        }
    }

    /// <summary>
    /// Builds the architecture (without drawing the initial values the load overwrites, unless <paramref name="skipInit"/>
    /// is false), loads the state dict, switches to evaluation mode and answers one batch.
    /// </summary>
    private static (Func<float> Run, double Milliseconds) LoadOurs(string network, string pth, int batch, bool firstRun = true, bool skipInit = true)
    {
        var clock = Stopwatch.StartNew();
        (Module model, int[] image, _) = skipInit ? Module.SkipInit(() => GraphNetworkBenchmarks.Create(network)) : GraphNetworkBenchmarks.Create(network);
        model.LoadStateDict(TorchFile.Read(pth));
        model.Eval();
        float[] images = GraphNetworkBenchmarks.Images(batch * image.Aggregate(1, (a, b) => a * b));
        int[] shape = [batch, .. image];
        float Run() => model.Forward(Tensor.FromArray(images, shape)).AsSpan()[0];
        float first = firstRun ? Run() : 0;
        double elapsed = clock.Elapsed.TotalMilliseconds;
        GC.KeepAlive(first);
        return (Run, elapsed);
    }

    private static (Func<float> Run, double Milliseconds) LoadOrt(string network, string onnx, int batch, int threads, bool firstRun = true)
    {
        var clock = Stopwatch.StartNew();
        InferenceSession session = GraphNetworkBenchmarks.Session(onnx, threads);
        int[] image = network == "resnet20" ? [3, 32, 32] : [3, 224, 224];
        float[] images = GraphNetworkBenchmarks.Images(batch * image.Aggregate(1, (a, b) => a * b));
        long[] shape = [batch, .. image.Select(s => (long)s)];
        float Run()
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(images, shape);
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(new RunOptions(), [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
            return outputs[0].GetTensorDataAsSpan<float>()[0];
        }

        float first = firstRun ? Run() : 0;
        double elapsed = clock.Elapsed.TotalMilliseconds;
        GC.KeepAlive(first);
        return (Run, elapsed);
    }

    private static void Memory(string network, string engine, Func<float> run)
    {
        GC.Collect();
        double before = Status("VmRSS");
        run();
        double first = Status("VmHWM");

        // Writing 5 to clear_refs resets the peak (Linux 4.0+): the second figure is a later call's alone.
        File.WriteAllText("/proc/self/clear_refs", "5");
        run();
        double later = Status("VmHWM");

        // Steady state: a third call after a full collection (what the earlier calls left that is garbage is gone).
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        File.WriteAllText("/proc/self/clear_refs", "5");
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        run();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        double steady = Status("VmHWM");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory {network} {engine}: rss before {before:F0} MB, peak of the first call {first:F0} MB, of the second {later:F0} MB, of a third after a collection {steady:F0} MB (managed allocations of the third {allocated / 1048576.0:F1} MB)"));
    }

    /// <summary>
    /// Where load-to-first-answer goes: milliseconds of each phase, then of the next two calls, each with the methods the
    /// JIT compiled during it and its compilation time (<see cref="System.Runtime.JitInfo"/>, this thread's and others').
    /// </summary>
    private static void Phases(string network, string pth, string pass, bool skipInit)
    {
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        long methods = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan jit = System.Runtime.JitInfo.GetCompilationTime();
        void Lap(string phase)
        {
            double elapsed = clock.Elapsed.TotalMilliseconds;
            long methodsNow = System.Runtime.JitInfo.GetCompiledMethodCount();
            TimeSpan jitNow = System.Runtime.JitInfo.GetCompilationTime();
            phases.Add(string.Create(CultureInfo.InvariantCulture, $"{phase} {elapsed:F0} (JIT: {methodsNow - methods} methods, {(jitNow - jit).TotalMilliseconds:F0} ms)"));
            (methods, jit) = (methodsNow, jitNow);
            clock.Restart();
        }

        (Module model, int[] image, _) = skipInit ? Module.SkipInit(() => GraphNetworkBenchmarks.Create(network)) : GraphNetworkBenchmarks.Create(network);
        Lap("build");
        IReadOnlyDictionary<string, Tensor> state = TorchFile.Read(pth);
        Lap("read");
        model.LoadStateDict(state);
        model.Eval();
        Lap("load");
        Tensor x = Tensor.FromArray(GraphNetworkBenchmarks.Images(image.Aggregate(1, (a, b) => a * b)), [1, .. image]);
        model.Forward(x);
        Lap("first call (trace + plan)");
        model.Forward(x);
        Lap("second (compile + run)");
        model.Forward(x);
        Lap("third");
        Console.WriteLine($"phases{pass} {network} {(skipInit ? "ours" : "ours-drawn")} (ms): {string.Join(", ", phases)}");
    }

    /// <summary>
    /// SGD steps (lr 0.1, momentum 0.9, weight decay 5e-4, cross-entropy) of the CIFAR ResNet-20 in training mode on a
    /// seeded batch: two steps to warm up, then ten timed; prints the mean milliseconds per step and the process's
    /// peak resident memory. tests/LeNet.Benchmarks/graph_train_torch.py is the same in PyTorch.
    /// </summary>
    private static void Train(string network, int batch)
    {
        (Module model, int[] image, int classes) = GraphNetworkBenchmarks.Create(network);
        model.Train();
        var optimizer = new Training.Sgd(model.Parameters(), 0.1f, momentum: 0.9f, weightDecay: 5e-4f);
        var loss = new Training.CrossEntropyLoss();
        float[] images = GraphNetworkBenchmarks.Images(batch * image.Aggregate(1, (a, b) => a * b));
        int[] targets = [.. Enumerable.Range(0, batch).Select(i => i * 7 % classes)];
        int[] shape = [batch, .. image];
        void Step()
        {
            optimizer.ZeroGrad();
            Tensor logits = model.Forward(Tensor.FromArray(images, shape));
            model.Backward(loss.Compute(logits, targets).Gradient);
            optimizer.Step();
        }

        Step();
        Step();
        const int Steps = 10;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Steps; i++)
        {
            Step();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"train {network} ours: batch {batch}, {Parallelism.MaxDegreeOfParallelism} threads, {clock.Elapsed.TotalMilliseconds / Steps:F0} ms per step, peak {Status("VmHWM"):F0} MB"));
    }

    private static void Report(string what, string network, string engine, double milliseconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} {network} {engine}: {milliseconds:F0} ms"));

    /// <summary>A /proc/self/status field in MB.</summary>
    private static double Status(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
