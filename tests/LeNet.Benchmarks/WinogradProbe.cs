using System.Diagnostics;
using System.Globalization;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using Microsoft.ML.OnnxRuntime;

namespace LeNet.Benchmarks;

/// <summary>
/// A stopwatch probe for busy machines (<c>winograd-probe</c>), where BenchmarkDotNet's short runs swing with the
/// load: the candidates are timed in alternation, call after call, for the same wall-clock span, and the 10th
/// percentile of each is kept. (1) One image's 3×3 convolution, direct (the implicit-GEMM kernel, or for a
/// pooled layer the channel-vectorized kernel the stage uses) against Winograd F(2×2, 3×3), at the default
/// width, on one thread: the measurements behind <see cref="WinogradPlan.Suits"/>. (2) pytorch/examples' Net,
/// <c>Forward</c> at batch 1 against ONNX Runtime on 1 and 2 threads.
/// </summary>
public static class WinogradProbe
{
    public static void Run()
    {
        SimdWidth width = SimdSupport.Best;
        Console.WriteLine($"width {width}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| layer | direct µs | Winograd µs | direct ÷ Winograd |");
        Console.WriteLine("|---|---:|---:|---:|");

        // (in, out, height, width, padding, pooled)
        (int C, int O, int H, int W, int Pad, bool Pool, string Name)[] shapes =
        [
            (32, 64, 26, 26, 0, true, "Net conv2 32→64 26×26 + max pool"),
            (16, 16, 32, 32, 1, false, "ResNet-20 16→16 32×32"),
            (32, 32, 16, 16, 1, false, "ResNet-20 32→32 16×16"),
            (64, 64, 8, 8, 1, false, "ResNet-20 64→64 8×8"),
            (8, 16, 28, 28, 1, false, "8→16 28×28"),
            (4, 16, 28, 28, 1, false, "4→16 28×28"),
            (64, 64, 56, 56, 1, false, "resnet18 64→64 56×56"),
            (128, 128, 28, 28, 1, false, "resnet18 128→128 28×28"),
            (256, 256, 14, 14, 1, false, "resnet18 256→256 14×14"),
            (512, 512, 7, 7, 1, false, "resnet18 512→512 7×7"),
        ];
        foreach (var s in shapes)
        {
            (double direct, double winograd) = Layer(width, s.C, s.O, s.H, s.W, s.Pad, s.Pool);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {direct:F1} | {winograd:F1} | {direct / winograd:F2}× |"));
        }

        foreach (int threads in new[] { 1, 2 })
        {
            Net(threads);
        }
    }

    private static (double Direct, double Winograd) Layer(SimdWidth width, int c, int o, int h, int w, int pad, bool pooled)
    {
        var random = new Random(1);
        int hp = h + (2 * pad), wp = w + (2 * pad);
        float[] weight = [.. Enumerable.Range(0, o * c * 9).Select(_ => (float)(random.NextDouble() - 0.5))];
        float[] bias = new float[o];
        var geometry = new ConvGeometry(1, c, hp, wp, o, 3, 1, 0, hp - 2, wp - 2);
        var convPlan = new ConvImagePlan(geometry);
        var plan = new WinogradPlan(weight, bias, o, c, hp, wp, pooled);
        float[] input = [.. Enumerable.Range(0, Math.Max(plan.SourceLength, convPlan.SourceLength)).Select(_ => (float)random.NextDouble())];
        int outH = pooled ? (hp - 2) / 2 : hp - 2, outW = pooled ? (wp - 2) / 2 : wp - 2;
        float[] output = new float[o * outH * outW];
        float[] gemm = new float[convPlan.OutputLength];
        float[] packed = ConvChannelsKernel.PackWeights(weight, o, c, 3);
        float[] channelsBias = new float[ConvChannelsKernel.PaddedChannels(o)];
        float[] lanes = new float[16];
        Action direct = pooled
            ? () => Pooled(width, input, hp, wp, c, packed, channelsBias, o, outH, outW, output, lanes)
            : () => ConvImageKernel.Gemm<ReluActivation>(width, weight, bias, convPlan.Offsets, input, gemm, convPlan.Pixels);
        Action winograd = () => Winograd(width, plan, input, output, outW, outH * outW, lanes);
        double[] times = Alternate([direct, winograd], TimeSpan.FromSeconds(1.5));
        return (times[0], times[1]);
    }

    private static void Pooled(SimdWidth width, float[] input, int hp, int wp, int c, float[] packed, float[] bias, int o, int ph, int pw, float[] output, float[] lanes)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                ConvChannelsKernel.Pooled<Vector512Ops, System.Runtime.Intrinsics.Vector512<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
            case SimdWidth.Vector256:
                ConvChannelsKernel.Pooled<Vector256Ops, System.Runtime.Intrinsics.Vector256<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
            default:
                ConvChannelsKernel.Pooled<Vector128Ops, System.Runtime.Intrinsics.Vector128<float>, ReluActivation, MaxPool>(input, hp, wp, c, 3, 1, packed, bias, o, ph, pw, output, pw, ph * pw, lanes);
                break;
        }
    }

    private static void Winograd(SimdWidth width, WinogradPlan plan, float[] input, float[] output, int row, int planeStride, float[] lanes)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradKernel.Rows<Vector512Ops, System.Runtime.Intrinsics.Vector512<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            case SimdWidth.Vector256:
                WinogradKernel.Rows<Vector256Ops, System.Runtime.Intrinsics.Vector256<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
            default:
                WinogradKernel.Rows<Vector128Ops, System.Runtime.Intrinsics.Vector128<float>, ReluActivation, MaxPool>(plan, input, 0, plan.TilesY, output, row, planeStride, plan.Scratch(), lanes);
                break;
        }
    }

    private static void Net(int threads)
    {
        Parallelism.MaxDegreeOfParallelism = threads;
        Layers.Sequential net = ExamplesNet.Create(seed: 0);
        float[] images = LeNetWeights.Images(1);
        float[] logits = new float[10];
        string onnx = Path.Combine(Path.GetTempPath(), $"winograd-probe-{Environment.ProcessId}.onnx");
        OnnxExporter.Export(net, onnx, 1, 1, 28, 28);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        using var runOptions = new RunOptions();
        float[] ortInput = new float[images.Length], ortOutput = new float[10];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(ortInput, [1, 1, 28, 28]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(ortOutput, [1, 10]);
        var shape = new[] { 1, 1, 28, 28 };
        Action ours = () => net.Forward(Tensor.FromArray(images, shape)).AsSpan().CopyTo(logits);
        Action ort = () =>
        {
            images.AsSpan().CopyTo(ortInput);
            session.Run(runOptions, [OnnxExporter.InputName], [inputValue], [OnnxExporter.OutputName], [outputValue]);
            ortOutput.AsSpan().CopyTo(logits);
        };
        double[] times = Alternate([ours, ort], TimeSpan.FromSeconds(4));
        File.Delete(onnx);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Net batch 1, {threads} thread(s): Forward {times[0]:F1} µs, ORT {times[1]:F1} µs, Forward vs ORT {times[1] / times[0]:F2}× (load {File.ReadAllText("/proc/loadavg").Trim()})"));
    }

    /// <summary>The 10th percentile, in µs, of each action's calls, the actions called in turn for <paramref name="span"/> after a warm-up.</summary>
    internal static double[] Alternate(Action[] actions, TimeSpan span)
    {
        var samples = actions.Select(_ => new List<double>()).ToArray();
        var total = Stopwatch.StartNew();
        for (int round = 0; total.Elapsed < span + span || round < 40; round++)
        {
            for (int a = 0; a < actions.Length; a++)
            {
                long start = Stopwatch.GetTimestamp();
                actions[a]();
                double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                if (total.Elapsed > span / 2)
                {
                    samples[a].Add(us);
                }
            }
        }

        return [.. samples.Select(s => s.Order().ElementAt(s.Count / 10))];
    }
}
