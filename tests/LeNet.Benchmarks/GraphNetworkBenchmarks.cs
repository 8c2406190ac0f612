using System.Globalization;
using BenchmarkDotNet.Attributes;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models.Vision;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace LeNet.Benchmarks;

/// <summary>
/// The graph networks' evaluation-mode forward, this library against ONNX Runtime with the same random weights:
/// the CIFAR ResNet-20 on 3×32×32 images and torchvision's resnet18, mobilenet_v2 and squeezenet1_1 on 3×224×224.
/// ORT runs this library's own <see cref="OnnxExporter"/> export of the model (BatchNorm kept as nodes; ORT folds it
/// itself at <c>ORT_ENABLE_ALL</c>). Both engines start from the caller's float[] and end in the caller's float[].
/// libtorch runs the same weights through TorchSharp (<see cref="TorchGraphNetworks"/>), from and into the caller's
/// float[] as well. ONNX Runtime is the baseline of Ratio. Setup runs all three once and checks that they agree.
/// </summary>
/// <remarks>
/// <see cref="Case"/> is "batch×threads": batch 1 on 1 and 2 threads, batch 16 and 64 on 2 threads, as issue 24
/// asks. <c>LENET_BENCH_GRAPH_CASES</c> and <c>LENET_BENCH_NETWORKS</c> (comma-separated) narrow them.
/// </remarks>
public class GraphNetworkBenchmarks
{
    private Module _model = null!;
    private float[] _images = null!;
    private float[] _logits = null!;
    private int[] _inputShape = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private float[] _ortInput = null!;
    private float[] _ortOutput = null!;
    private OrtValue _ortInputValue = null!;
    private OrtValue _ortOutputValue = null!;
    private string _onnxPath = null!;
    private torch.nn.Module<torch.Tensor, torch.Tensor> _torch = null!;
    private long[] _torchShape = null!;

    /// <summary>The network: <c>resnet20</c> (CIFAR) or a torchvision name.</summary>
    [ParamsSource(nameof(Networks))]
    public string Network { get; set; } = "resnet20";

    /// <summary>"batch×threads".</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "1x1";

    public IEnumerable<string> Networks => FromEnvironment("LENET_BENCH_NETWORKS") ?? ["resnet20", "resnet18", "mobilenet_v2", "squeezenet1_1"];

    public IEnumerable<string> Cases => FromEnvironment("LENET_BENCH_GRAPH_CASES") ?? ["1x1", "1x2", "16x2", "64x2"];

    private int Batch => int.Parse(Case.Split('x')[0], CultureInfo.InvariantCulture);

    private int Threads => int.Parse(Case.Split('x')[1], CultureInfo.InvariantCulture);

    /// <summary>The model with seeded random weights, in evaluation mode, and its one image's shape (C, H, W).</summary>
    public static (Module Model, int[] ImageShape, int Classes) Create(string network)
    {
        Module model = network == "resnet20" ? CifarResNet.ResNet20() : TorchVision.GetModel(network);
        model.Eval();
        return (model, network == "resnet20" ? [3, 32, 32] : [3, 224, 224], network == "resnet20" ? 10 : 1000);
    }

    /// <summary>Seeded images in [-1, 1).</summary>
    public static float[] Images(int count)
    {
        var random = new Random(24);
        var images = new float[count];
        for (int i = 0; i < images.Length; i++)
        {
            images[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return images;
    }

    /// <summary>A fresh ORT session on <paramref name="path"/> with <paramref name="threads"/> intra-op threads.</summary>
    public static InferenceSession Session(string path, int threads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return new InferenceSession(path, options);
    }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = Threads;
        (_model, int[] image, int classes) = Create(Network);
        _inputShape = [Batch, .. image];
        _images = Images(_inputShape.Aggregate(1, (a, b) => a * b));
        _logits = new float[Batch * classes];

        _onnxPath = Path.Combine(Path.GetTempPath(), $"lenet-bench-{Network}-{Environment.ProcessId}-{Case}.onnx");
        // Exported at the measured batch: the CIFAR ResNet's zero-padding shortcut exports its zeros with the example's batch.
        OnnxExporter.Export(_model, _onnxPath, _inputShape);
        _session = Session(_onnxPath, Threads);
        _runOptions = new RunOptions();
        _ortInput = new float[_images.Length];
        _ortOutput = new float[_logits.Length];
        _ortInputValue = OrtValue.CreateTensorValueFromMemory(_ortInput, [.. _inputShape.Select(s => (long)s)]);
        _ortOutputValue = OrtValue.CreateTensorValueFromMemory(_ortOutput, [Batch, classes]);
        torch.set_num_threads(Threads);
        _torch = TorchGraphNetworks.Create(Network, _model);
        _torchShape = [.. _inputShape.Select(s => (long)s)];
        CheckAgreement();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInputValue.Dispose();
        _ortOutputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _torch.Dispose();
        File.Delete(_onnxPath);
        Parallelism.MaxDegreeOfParallelism = Environment.ProcessorCount;
    }

    /// <summary><c>Module.Forward(Tensor)</c> in evaluation mode (the traced, compiled graph plan), logits copied out.</summary>
    [Benchmark]
    public void Forward() => _model.Forward(Tensor.FromArray(_images, _inputShape)).AsSpan().CopyTo(_logits);

    [Benchmark(Baseline = true)]
    public void OnnxRuntime()
    {
        _images.AsSpan().CopyTo(_ortInput);
        _session.Run(_runOptions, [OnnxExporter.InputName], [_ortInputValue], [OnnxExporter.OutputName], [_ortOutputValue]);
        _ortOutput.AsSpan().CopyTo(_logits);
    }

    /// <summary>libtorch through TorchSharp, no autograd, from the caller's float[] into the caller's float[].</summary>
    [Benchmark]
    public void TorchSharp()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.Tensor x = torch.tensor(_images, _torchShape);
        _torch.forward(x).data<float>().CopyTo(_logits);
    }

    /// <summary>Runs all three once and throws unless Forward and libtorch agree with ONNX Runtime to 1e-3 of the logits' scale.</summary>
    private void CheckAgreement()
    {
        OnnxRuntime();
        float[] reference = (float[])_logits.Clone();
        float scale = 1 + reference.Max(MathF.Abs);
        foreach ((string engine, Action run) in new (string, Action)[] { ("Forward", Forward), ("TorchSharp", TorchSharp) })
        {
            Array.Clear(_logits);
            run();
            for (int i = 0; i < reference.Length; i++)
            {
                if (!(Math.Abs(_logits[i] - reference[i]) <= 1e-3f * scale))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{Network}: {engine} gives logit {i} = {_logits[i]}, ONNX Runtime {reference[i]} (case {Case})."));
                }
            }
        }
    }

    private static string[]? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
}
