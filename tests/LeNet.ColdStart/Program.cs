// Cold start of one process: builds a network, then calls it on one image (batch 1) in a loop for about
// 10.5 s, timing every call with Stopwatch ticks. Prints the first call's time, the median of the calls
// that start in [0.25 s, 1 s] after the first call ends and of those in [9 s, 10 s], their ratio (issue
// #13's target: ≤ 1.5), medians per time bucket, and one RESULT line for run.sh. Run it pinned to one CPU
// in a fresh process each time, as run.sh does:
//
//   taskset -c 0 dotnet tests/LeNet.ColdStart/bin/Release/net10.0/LeNet.ColdStart.dll [--model lenet|examples-net] [--predictor] [--seconds 10.5]
//
// --model lenet (default): the pretrained modern LeNet, LeNetFactory.CreatePretrained().
// --model examples-net: pytorch/examples' MNIST Net with seeded weights (seed 0), in evaluation mode.
// --predictor: time Predictor.Predict(float[], float[]) instead of Sequential.Forward(Tensor).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using LeNet;
using LeNet.Benchmarks;
using LeNet.Inference;
using LeNet.Layers;
using LeNet.Models;

string model = "lenet";
bool usePredictor = false;
double seconds = 10.5;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--model" when i + 1 < args.Length:
            model = args[++i];
            break;
        case "--predictor":
            usePredictor = true;
            break;
        case "--seconds" when i + 1 < args.Length:
            seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"LeNet.ColdStart: unknown argument '{args[i]}'. Usage: [--model lenet|examples-net] [--predictor] [--seconds S]");
            return 2;
    }
}

if (model is not ("lenet" or "examples-net"))
{
    Console.Error.WriteLine($"LeNet.ColdStart: --model must be lenet or examples-net, got '{model}'.");
    return 2;
}

double tickUs = 1e6 / Stopwatch.Frequency;
long mainTicks = Stopwatch.GetTimestamp();
double startupMs = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;

Sequential net = model == "lenet" ? LeNetFactory.CreatePretrained() : ExamplesNet.Create(seed: 0);
net.Eval();
var image = new float[28 * 28];
var random = new Random(42);
for (int i = 0; i < image.Length; i++)
{
    image[i] = (float)random.NextDouble();
}

var logits = new float[10];
int[] shape = [1, 1, 28, 28];
Predictor? predictor = usePredictor ? new Predictor(net, 1, 28, 28) : null;
long builtTicks = Stopwatch.GetTimestamp();

// The first call, then the loop. Arrays are preallocated so the loop itself allocates nothing.
const int Capacity = 4_000_000;
var startOffsets = new long[Capacity];
var durations = new long[Capacity];
startOffsets.AsSpan().Fill(-1); // touch every page now, not during the loop
durations.AsSpan().Fill(-1);
long before = Stopwatch.GetTimestamp();
Call();
long origin = Stopwatch.GetTimestamp();
long firstTicks = origin - before;
long end = origin + (long)(seconds * Stopwatch.Frequency);
int count = 0;
while (count < Capacity)
{
    long t0 = Stopwatch.GetTimestamp();
    if (t0 >= end)
    {
        break;
    }

    Call();
    long t1 = Stopwatch.GetTimestamp();
    startOffsets[count] = t0 - origin;
    durations[count] = t1 - t0;
    count++;
}

double? early = Median(0.25, 1), late = Median(9, 10);
double? earlyMean = Mean(0.25, 1), lateMean = Mean(9, 10);
string path = usePredictor ? "Predictor.Predict" : "Sequential.Forward";
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{model}, {path}, batch 1: {Environment.ProcessorCount} CPU(s), .NET {Environment.Version}, Vector512 {(Vector512.IsHardwareAccelerated ? "on" : "off")}, DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "(default)"}, DOTNET_TieredPGO={Environment.GetEnvironmentVariable("DOTNET_TieredPGO") ?? "(default)"}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"process start → Main: {startupMs:F0} ms; building the model{(usePredictor ? " and the predictor" : "")}: {(builtTicks - mainTicks) * tickUs / 1000:F1} ms"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first call: {firstTicks * tickUs:F0} µs; then {count} calls in {seconds:F1} s"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median in [0.25 s, 1 s]: {Format(early)} µs; median in [9 s, 10 s]: {Format(late)} µs; ratio {(early / late)?.ToString("F2", CultureInfo.InvariantCulture) ?? "–"} (target ≤ 1.5)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"means (include preemption by other processes on this CPU and GC pauses): {Format(earlyMean)} µs and {Format(lateMean)} µs"));
Console.Write("medians per window after the first call:");
double[] edges = [0, 0.01, 0.1, 0.25, 0.5, 1, 2, 5, 9, 10];
for (int i = 0; i + 1 < edges.Length; i++)
{
    Console.Write(string.Create(CultureInfo.InvariantCulture, $" [{edges[i]}, {edges[i + 1]}) s {Format(Median(edges[i], edges[i + 1]))} µs ({Count(edges[i], edges[i + 1])});"));
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"RESULT model={model} path={(usePredictor ? "predictor" : "forward")} first_us={firstTicks * tickUs:F1} early_us={Format(early)} late_us={Format(late)} ratio={(early / late)?.ToString("F2", CultureInfo.InvariantCulture) ?? "-"} early_mean_us={Format(earlyMean)} late_mean_us={Format(lateMean)} calls={count} startup_ms={startupMs:F0} build_ms={(builtTicks - mainTicks) * tickUs / 1000:F1}"));
return 0;

void Call()
{
    if (predictor is not null)
    {
        predictor.Predict(image, logits);
    }
    else
    {
        net.Forward(Tensor.FromArray(image, shape)).AsSpan().CopyTo(logits);
    }
}

// The median duration (µs) of the calls that start in [from, to) seconds after the first call; null if none.
double? Median(double from, double to)
{
    long[] window = [.. Window(from, to)];
    if (window.Length == 0)
    {
        return null;
    }

    Array.Sort(window);
    return (window.Length % 2 == 1 ? window[window.Length / 2] : (window[(window.Length / 2) - 1] + window[window.Length / 2]) / 2.0) * tickUs;
}

// The mean duration (µs) of the same calls: far above the median when something else ran on the CPU.
double? Mean(double from, double to)
{
    long[] window = [.. Window(from, to)];
    return window.Length == 0 ? null : window.Average() * tickUs;
}

int Count(double from, double to) => Window(from, to).Count();

IEnumerable<long> Window(double from, double to)
{
    long lo = (long)(from * Stopwatch.Frequency), hi = (long)(to * Stopwatch.Frequency);
    for (int i = 0; i < count; i++)
    {
        if (startOffsets[i] >= lo && startOffsets[i] < hi)
        {
            yield return durations[i];
        }
    }
}

static string Format(double? us) => us is null ? "-" : us.Value.ToString(us < 100 ? "F1" : "F0", CultureInfo.InvariantCulture);
