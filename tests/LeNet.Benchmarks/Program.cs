// LeNet's benchmarks. A short run (about 3 minutes on 2 cores):
//
//   dotnet run -c Release --project tests/LeNet.Benchmarks -- --filter '*' --job short --iterationTime 200 --inProcess
//
// Any BenchmarkDotNet option passes through (--filter '*Forward*', --list flat, --job default, …). After the
// run, a summary table gives medians, ratios to ONNX Runtime and TorchSharp and the fraction of the FMA
// peak measured by FmaPeakBenchmarks in the same run. DOTNET_EnableAVX512=0 before the command measures
// the Vector256 path as an AVX2-only CPU runs it (.NET 10 ignores DOTNET_EnableAVX512F).
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LeNet.Benchmarks;

IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(ForwardBenchmarks).Assembly)
    .Run(args, DefaultConfig.Instance.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(20)));
Console.WriteLine(ResultTable.Render([.. summaries]));
