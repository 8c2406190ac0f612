using BenchmarkDotNet.Attributes;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Training;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// Training throughput side by side: <see cref="Steps"/> optimizer steps (forward, cross-entropy,
/// backward, update) on real MNIST batches, by this library's <see cref="Trainer"/> and by libtorch
/// (TorchSharp) with the same recipe, batch size and thread count. Seconds per epoch =
/// time / Steps × ⌈60000 / batch⌉. libtorch is the baseline of Ratio.
/// </summary>
/// <remarks>
/// Every invocation starts from the same weights (copied back in at its start, a few microseconds), so
/// both engines time the same arithmetic every time instead of each training its model further by
/// however many invocations the harness happened to run.
/// </remarks>
public class TrainingBenchmarks
{
    private const int Steps = 20;
    private InMemoryBatchSource _data = null!;
    private Trainer _trainer = null!;
    private TrainerOptions _options = null!;
    private Module<torch.Tensor, torch.Tensor> _torch = null!;
    private torch.optim.Optimizer _torchOptimizer = null!;
    private float[] _images = null!;
    private long[] _labels = null!;
    private float[][] _initial = null!;
    private Parameter[] _parameters = null!;
    private (TorchSharp.Modules.Parameter Parameter, torch.Tensor Initial)[] _torchInitial = null!;

    /// <summary>
    /// d2l: sigmoid LeNet, SGD lr 0.9, batch 256; modern: ReLU/MaxPool LeNet, Adam lr 1e-3, batch 128;
    /// bn: d2l's BatchNorm LeNet, SGD lr 1.0, batch 256 (the fused step does not compile BatchNorm: it
    /// trains through the layers' own Forward and Backward).
    /// </summary>
    [Params("d2l", "modern", "bn")]
    public string Recipe { get; set; } = "d2l";

    [Params(1, 2)]
    public int Threads { get; set; }

    private int BatchSize => Recipe == "modern" ? 128 : 256;

    [GlobalSetup]
    public void Setup()
    {
        Parallelism.MaxDegreeOfParallelism = Threads;
        torch.set_num_threads(Threads);
        MnistSplit train = Mnist.LoadOrDownloadAsync().GetAwaiter().GetResult().Train;
        int count = Steps * BatchSize;
        int[] indices = Enumerable.Range(0, count).ToArray();
        _images = new float[count * 784];
        var labels = new int[count];
        train.CopyBatch(indices, _images, labels);
        _labels = labels.Select(l => (long)l).ToArray();
        _data = new InMemoryBatchSource(_images, labels, 1, 28, 28);

        Sequential net = Recipe switch
        {
            "d2l" => LeNetFactory.Create(0),
            "bn" => LeNetFactory.CreateBatchNorm(0),
            _ => LeNetFactory.CreateModern(0),
        };
        if (Recipe == "d2l")
        {
            Init.XavierUniformWeightsZeroBiases(net, new Random(0));
        }

        _trainer = new Trainer(net, Recipe switch
        {
            "d2l" => new Sgd(net.Parameters(), 0.9f),
            "bn" => new Sgd(net.Parameters(), 1.0f),
            _ => new Adam(net.Parameters(), 1e-3f),
        });
        _options = new TrainerOptions { Epochs = 1, BatchSize = BatchSize, Seed = 0 };

        _parameters = [.. net.Parameters()];
        _initial = [.. _parameters.Select(p => p.Value.ToArray())];
        _torch = Recipe == "bn" ? TorchLeNet.CreateBatchNorm(net) : TorchLeNet.Create(net, modern: Recipe == "modern");
        _torch.train();
        _torchInitial = [.. _torch.parameters().Select(p => (p, p.detach().clone()))];
        _torchOptimizer = Recipe switch
        {
            "d2l" => torch.optim.SGD(_torch.parameters(), 0.9),
            "bn" => torch.optim.SGD(_torch.parameters(), 1.0),
            _ => torch.optim.Adam(_torch.parameters(), 1e-3),
        };
    }

    [Benchmark(Description = "LeNet Trainer")]
    public void LeNet()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            _initial[i].CopyTo(_parameters[i].Value.AsSpan());
        }

        _trainer.Fit(_data, null, _options);
    }

    /// <summary>The same steps in libtorch; every batch is copied from the caller's arrays into torch tensors, as a .NET caller would.</summary>
    [Benchmark(Baseline = true, Description = "TorchSharp (libtorch)")]
    public void TorchSharp()
    {
        using (torch.no_grad())
        {
            foreach ((TorchSharp.Modules.Parameter parameter, torch.Tensor initial) in _torchInitial)
            {
                parameter.copy_(initial);
            }
        }

        for (int step = 0; step < Steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            torch.Tensor x = torch.tensor(_images.AsSpan(step * BatchSize * 784, BatchSize * 784).ToArray(), [BatchSize, 1, 28, 28]);
            torch.Tensor y = torch.tensor(_labels.AsSpan(step * BatchSize, BatchSize).ToArray(), torch.int64);
            _torchOptimizer.zero_grad();
            torch.Tensor loss = functional.cross_entropy(_torch.call(x), y);
            loss.backward();
            _torchOptimizer.step();
        }
    }
}
