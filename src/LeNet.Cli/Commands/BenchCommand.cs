using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LeNet.Layers;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet bench</c>: a quick measurement of this library alone on this machine: forward-pass latency
/// and throughput of LeNet at one batch size. For comparisons with other engines, see tests/LeNet.Benchmarks.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var batch = new Option<int>("--batch") { Description = "Images per forward pass.", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "Threads to use.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure (after a warm-up).", DefaultValueFactory = _ => 3 };
        Option<string> model = CommonOptions.Model();
        var command = new Command("bench", "Measure LeNet's forward-pass latency and throughput on this machine.") { batch, threads, seconds, model };
        command.SetAction(parse => CommandRunner.Run(context, "bench", () =>
        {
            int n = parse.GetValue(batch), t = parse.GetValue(threads);
            double duration = parse.GetValue(seconds);
            if (n < 1 || t < 1 || !(duration > 0 && duration <= 600))
            {
                throw new CliException(ExitCodes.Usage, "--batch and --threads must be at least 1, --seconds in (0, 600]");
            }

            Parallelism.MaxDegreeOfParallelism = t;
            Sequential net = CommonOptions.Create(parse.GetValue(model)!);
            net.Eval();
            var input = new Tensor(n, 1, 28, 28);
            var random = new Random(0);
            Span<float> pixels = input.AsSpan();
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (float)random.NextDouble();
            }

            // Warm-up: let tiered compilation reach the optimized code.
            var warmup = Stopwatch.StartNew();
            while (warmup.Elapsed.TotalSeconds < Math.Min(1, duration / 2))
            {
                net.Forward(input);
            }

            var times = new List<double>();
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < duration)
            {
                long start = Stopwatch.GetTimestamp();
                net.Forward(input);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            times.Sort();
            double median = times[times.Count / 2], p90 = times[(int)(times.Count * 0.9)];
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{parse.GetValue(model)} forward, batch {n}, {t} thread{(t == 1 ? "" : "s")}: median {median:F3} ms, p90 {p90:F3} ms per call ({times.Count:N0} calls), {n / median * 1000:N0} images/s"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
