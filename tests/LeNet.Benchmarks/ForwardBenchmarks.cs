using BenchmarkDotNet.Attributes;
using LeNet.Inference;
using LeNet.IO;
using LeNet.Layers;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// LeNet forward on a batch of 1×28×28 images, logits out, per engine, same weights. Every engine starts
/// from the caller's float[] and ends in the caller's float[]: the copies into and out of its tensors
/// are part of what is measured (what a .NET caller pays). ONNX Runtime is the baseline of Ratio.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks
{
    private Sequential _net = null!;
    private Predictor _predictor = null!;
    private float[] _images = null!;
    private float[] _logits = null!;
    private Tensor _input = null!;
    private Module<torch.Tensor, torch.Tensor> _torch = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private float[] _ortInput = null!;
    private float[] _ortOutput = null!;
    private OrtValue _ortInputValue = null!;
    private OrtValue _ortOutputValue = null!;
    private string _onnxPath = null!;

    [Params(1, 16, 64, 256, 1024)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = Threads;
        _net = LeNetWeights.CreateNet();
        _predictor = new Predictor(_net, 1, 28, 28);
        _images = LeNetWeights.Images(Batch);
        _logits = new float[Batch * 10];
        _input = Tensor.FromArray(_images, Batch, 1, 28, 28);

        torch.set_num_threads(Threads);
        _torch = TorchLeNet.Create(_net);

        _onnxPath = Path.Combine(Path.GetTempPath(), $"lenet-bench-{Environment.ProcessId}-{Batch}-{Threads}.onnx");
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

    /// <summary>This library's layer-by-layer path: <c>Sequential.Forward(Tensor)</c> (allocates its tensors).</summary>
    [Benchmark]
    public void Forward() => _net.Forward(_input).AsSpan().CopyTo(_logits);

    /// <summary>This library's compiled, allocation-free path.</summary>
    [Benchmark]
    public void Predictor() => _predictor.Predict(_images, _logits);

    [Benchmark]
    public void TorchSharp()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        torch.Tensor x = torch.tensor(_images, [Batch, 1, 28, 28]);
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
}
