using BenchmarkDotNet.Attributes;
using LeNet.Layers;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// The d2l LeNet (seed 0, 0.833 MFLOP per image) on every engine, at batch 1, 16, 64, 256 and 1024 on
/// 1 and 2 threads (see <see cref="EngineBenchmarks"/>). <c>--filter '*.ForwardBenchmarks.*'</c> runs these alone.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks : EngineBenchmarks
{
    public override string ModelName => "LeNet";

    protected override int[] DefaultBatches => [1, 16, 64, 256, 1024];

    public override Sequential CreateNet() => LeNetWeights.CreateNet();

    protected override Module<torch.Tensor, torch.Tensor> CreateTorch(Sequential net) => TorchLeNet.Create(net);
}
