// LeNet's benchmarks. A short run of everything (LeNet and pytorch/examples' Net on every engine, the FMA
// probe, the layer kernels; a quarter of an hour or more on 2 cores):
//
//   dotnet run -c Release --project tests/LeNet.Benchmarks -- --filter '*' --job short --iterationTime 200 --inProcess
//
// Any BenchmarkDotNet option passes through (--list flat, --job dry, …). --filter picks classes or methods:
// '*.ForwardBenchmarks.*' is LeNet on every engine, '*ExamplesNet*' pytorch/examples' Net, '*FmaPeak*' the
// probe (add it for the % of peak columns), '*.Forward' the Forward path of both networks. LENET_BENCH_BATCHES
// and LENET_BENCH_THREADS (comma-separated) narrow the engines' batch sizes and thread counts. After the run,
// a summary table per network gives medians, speeds relative to ONNX Runtime, the fraction of the FMA peak
// measured by FmaPeakBenchmarks in the same run and the targets. DOTNET_EnableAVX512=0 before the
// command measures the Vector256 path as an AVX2-only CPU runs it (.NET 10 ignores DOTNET_EnableAVX512F).
// '*GraphNetwork*' is the graph networks (ResNet-20, resnet18, mobilenet_v2, squeezenet1_1) against ORT;
// graph-probe.sh beside this file measures their load-to-first-answer and peak memory, one process each.
// 'winograd-probe' times 3×3 convolutions direct against Winograd and Net's batch-1 Forward against ORT with a
// stopwatch (alternating calls, 10th percentile), for machines too busy for BenchmarkDotNet's short runs.
// 'winograd-f4-probe' times the same layers direct, by F(2×2, 3×3) and by F(4×4, 3×3) (the latter's selection rule).
// 'conv-gemm-probe' times the stages' direct convolution GEMM on the layers no Winograd or stem kernel takes, then mobilenet_v2's depthwise layers.
// 'graph-alternate NETS CASE PAIRS [BLOCK]' does the same for the graph networks' Forward against ORT (GraphNetworkBenchmarks).
// 'smallmaps-probe BATCH THREADS [SECONDS]' profiles the CIFAR ResNet-20 segment by segment beside ORT (same process).
// 'scaling-probe NETWORK BATCH [SECONDS [BLOCK [CONFIGS]]]' times one graph network's Forward on one thread against two (and ORT's), segment by segment;
// 'scaling-probe NETWORK BATCH ort-profile RUNS' prints ONNX Runtime's own per-node times of the same network on one thread.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LeNet.Benchmarks;

if (args is ["winograd-probe"])
{
    WinogradProbe.Run();
    return;
}

if (args is ["winograd-f4-probe"])
{
    WinogradF4Probe.Run();
    return;
}

if (args is ["conv-gemm-probe"])
{
    ConvGemmProbe.Run();
    return;
}

if (args is ["graph-alternate", .. string[] alternate])
{
    GraphNetworkAlternatingProbe.Run(alternate);
    return;
}

if (args is ["smallmaps-probe", .. string[] smallMaps])
{
    SmallMapsProbe.Run(smallMaps);
    return;
}

if (args is ["scaling-probe", .. string[] scaling])
{
    ScalingProbe.Run(scaling);
    return;
}

if (args is ["graph-probe", .. string[] probe])
{
    GraphNetworkProbe.Run(probe);
    return;
}

IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(ForwardBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(20)));
Console.WriteLine(ResultTable.Render([.. summaries]));
Console.WriteLine(GraphNetworkTable.Render([.. summaries]));
