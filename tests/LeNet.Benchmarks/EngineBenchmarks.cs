using System.Globalization;
using BenchmarkDotNet.Attributes;
using LeNet.Inference;
using LeNet.IO;
using LeNet.Layers;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// One network's forward on a batch of 1×28×28 images, logits out, per engine, same weights: this
/// library's <c>Sequential.Forward</c> in evaluation mode and its <see cref="Inference.Predictor"/>,
/// ONNX Runtime on the network exported by <see cref="OnnxExporter"/>, and libtorch (TorchSharp) with the
/// weights copied in. Every engine starts from the caller's float[] and ends in the caller's float[]:
/// the copies into and out of its tensors are part of what is measured (what a .NET caller pays). ONNX
/// Runtime is the baseline of Ratio. Setup runs each engine once and checks that they agree.
/// </summary>
/// <remarks>
/// The batch sizes and thread counts can be narrowed for a quick run with the environment variables
/// <c>LENET_BENCH_BATCHES</c> and <c>LENET_BENCH_THREADS</c> (comma-separated, e.g. <c>1,256</c>).
/// </remarks>
public abstract class EngineBenchmarks
{
    private Sequential _net = null!;
    private Predictor _predictor = null!;
    private float[] _images = null!;
    private float[] _logits = null!;
    private int[] _inputShape = null!;
    private long[] _torchShape = null!;
    private Module<torch.Tensor, torch.Tensor> _torch = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private float[] _ortInput = null!;
    private float[] _ortOutput = null!;
    private OrtValue _ortInputValue = null!;
    private OrtValue _ortOutputValue = null!;
    private string _onnxPath = null!;

    /// <summary>The images per call.</summary>
    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; }

    /// <summary>The threads every engine may use (<see cref="Parallelism.MaxDegreeOfParallelism"/>, ORT's intra-op threads, torch.set_num_threads).</summary>
    [ParamsSource(nameof(ThreadCounts))]
    public int Threads { get; set; }

    /// <summary>The model's name in the result table.</summary>
    public abstract string ModelName { get; }

    /// <summary>The batch sizes measured unless <c>LENET_BENCH_BATCHES</c> says otherwise.</summary>
    protected abstract int[] DefaultBatches { get; }

    public IEnumerable<int> Batches => FromEnvironment("LENET_BENCH_BATCHES") ?? DefaultBatches;

    public IEnumerable<int> ThreadCounts => FromEnvironment("LENET_BENCH_THREADS") ?? [1, 2];

    /// <summary>Builds the network (seeded weights), in any mode: setup switches it to evaluation mode.</summary>
    public abstract Sequential CreateNet();

    /// <summary>The same network as a libtorch module with <paramref name="net"/>'s weights.</summary>
    protected abstract Module<torch.Tensor, torch.Tensor> CreateTorch(Sequential net);

    /// <summary>FLOPs of one image's forward pass (a multiply-add is 2), as the library's summary counts them.</summary>
    public long FlopsPerImage() => CreateNet().Summary(1, 1, 28, 28).TotalFlops;

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = Threads;
        _net = CreateNet();
        _net.Eval();
        _predictor = new Predictor(_net, 1, 28, 28);
        _images = LeNetWeights.Images(Batch);
        _logits = new float[Batch * 10];
        _inputShape = [Batch, 1, 28, 28];
        _torchShape = [Batch, 1, 28, 28];

        torch.set_num_threads(Threads);
        _torch = CreateTorch(_net);

        _onnxPath = Path.Combine(Path.GetTempPath(), $"lenet-bench-{ModelName}-{Environment.ProcessId}-{Batch}-{Threads}.onnx");
        OnnxExporter.Export(_net, _onnxPath, 1, 1, 28, 28);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(_onnxPath, options);
        _runOptions = new RunOptions();
        _ortInput = new float[_images.Length];
        _ortOutput = new float[_logits.Length];
        _ortInputValue = OrtValue.CreateTensorValueFromMemory(_ortInput, [Batch, 1, 28, 28]);
        _ortOutputValue = OrtValue.CreateTensorValueFromMemory(_ortOutput, [Batch, 10]);
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

    /// <summary>
    /// The path a new user calls first: <c>Sequential.Forward(Tensor)</c> in evaluation mode, on a tensor
    /// over the caller's array (<see cref="Tensor.FromArray"/> wraps, it does not copy), logits copied out.
    /// </summary>
    [Benchmark]
    public void Forward() => _net.Forward(Tensor.FromArray(_images, _inputShape)).AsSpan().CopyTo(_logits);

    /// <summary>This library's compiled, allocation-free path.</summary>
    [Benchmark]
    public void Predictor() => _predictor.Predict(_images, _logits);

    [Benchmark]
    public void TorchSharp()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.Tensor x = torch.tensor(_images, _torchShape);
        torch.Tensor y = _torch.forward(x);
        y.data<float>().CopyTo(_logits);
    }

    [Benchmark(Baseline = true)]
    public void OnnxRuntime()
    {
        _images.AsSpan().CopyTo(_ortInput);
        _session.Run(_runOptions, [OnnxExporter.InputName], [_ortInputValue], [OnnxExporter.OutputName], [_ortOutputValue]);
        _ortOutput.AsSpan().CopyTo(_logits);
    }

    /// <summary>Runs every engine once and throws unless all agree with ONNX Runtime (so a wrong weight copy cannot be timed).</summary>
    private void CheckAgreement()
    {
        OnnxRuntime();
        float[] reference = (float[])_logits.Clone();
        foreach ((string engine, Action run) in new (string, Action)[] { ("Forward", Forward), ("Predictor", Predictor), ("TorchSharp", TorchSharp) })
        {
            Array.Clear(_logits);
            run();
            for (int i = 0; i < reference.Length; i++)
            {
                if (!(Math.Abs(_logits[i] - reference[i]) <= 1e-3f * Math.Max(1f, Math.Abs(reference[i]))))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"{ModelName}: {engine} gives logit {i} = {_logits[i]}, ONNX Runtime {reference[i]} (batch {Batch}, {Threads} threads)."));
                }
            }
        }
    }

    private static int[]? FromEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.Parse(v, CultureInfo.InvariantCulture))]
            : null;
}
