using BenchmarkDotNet.Attributes;
using LeNet.Layers;
using TorchSharp;
using static TorchSharp.torch.nn;

namespace LeNet.Benchmarks;

/// <summary>
/// pytorch/examples' MNIST <see cref="ExamplesNet"/> (seed 0, about 24 MFLOP per image) on every engine,
/// at batch 1, 16, 64 and 256 on 1 and 2 threads (see <see cref="EngineBenchmarks"/>; add 1024 with
/// <c>LENET_BENCH_BATCHES=1,16,64,256,1024</c>). <c>--filter '*ExamplesNet*'</c> runs these alone.
/// </summary>
[MemoryDiagnoser]
public class ExamplesNetBenchmarks : EngineBenchmarks
{
    public override string ModelName => "ExamplesNet";

    protected override int[] DefaultBatches => [1, 16, 64, 256];

    public override Sequential CreateNet() => ExamplesNet.Create(seed: 0);

    protected override Module<torch.Tensor, torch.Tensor> CreateTorch(Sequential net) => TorchLeNet.CreateExamplesNet(net);
}
