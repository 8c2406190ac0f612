using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LeNet.Layers;
using LeNet.Training;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet bench</c>: a quick measurement of this library alone on this machine: forward-pass latency and
/// throughput of a network at one batch size, or with <c>--train</c> the time of one training step as
/// <c>lenet train</c> takes it. For comparisons with other engines, see tests/LeNet.Benchmarks.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var batch = new Option<int>("--batch") { Description = "Images per forward pass (per step with --train).", DefaultValueFactory = _ => 64 };
        var threads = new Option<int>("--threads") { Description = "Threads to use.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seconds = new Option<double>("--seconds") { Description = "How long to measure (after a warm-up).", DefaultValueFactory = _ => 3 };
        var train = new Option<bool>("--train") { Description = "Measure a training step instead (forward, cross-entropy, backward, the recipe's optimizer step, through the Trainer as `lenet train` runs it), with the CPU time it takes." };
        Option<string> model = CommonOptions.Model();
        var command = new Command("bench", "Measure a network's forward-pass latency and throughput (or its training step, --train) on this machine.") { batch, threads, seconds, train, model };
        command.SetAction(parse => CommandRunner.Run(context, "bench", () =>
        {
            int n = parse.GetValue(batch), t = parse.GetValue(threads);
            double duration = parse.GetValue(seconds);
            if (n < 1 || t < 1 || !(duration > 0 && duration <= 600))
            {
                throw new CliException(ExitCodes.Usage, "--batch and --threads must be at least 1, --seconds in (0, 600]");
            }

            Parallelism.MaxDegreeOfParallelism = t;
            string name = parse.GetValue(model)!;
            var random = new Random(0);
            float[] pixels = new float[n * 28 * 28];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (float)random.NextDouble();
            }

            Action step;
            string what;
            if (parse.GetValue(train))
            {
                // One Fit of one epoch over exactly one batch is one step; the trainer keeps its buffers between calls.
                TrainingRecipe recipe = TrainingRecipe.Names.Select(TrainingRecipe.Named).First(r => r.ModelName == name);
                Module net = recipe.CreateModel(seed: 0);
                var trainer = new Trainer(net, recipe.CreateOptimizer(net, recipe.LearningRate));
                var data = new InMemoryBatchSource(pixels, [.. Enumerable.Range(0, n).Select(i => i % 10)], 1, 28, 28);
                var options = new TrainerOptions { Epochs = 1, BatchSize = n };
                step = () => trainer.Fit(data, options: options);
                what = $"training step ({recipe.Name} recipe)";
            }
            else
            {
                Module net = CommonOptions.Create(name);
                net.Eval();
                Tensor input = Tensor.FromArray(pixels, n, 1, 28, 28);
                step = () => net.Forward(input);
                what = "forward";
            }

            // Warm-up: let tiered compilation reach the optimized code.
            var warmup = Stopwatch.StartNew();
            do
            {
                step();
            }
            while (warmup.Elapsed.TotalSeconds < Math.Min(1, duration / 2));

            var times = new List<double>();
            TimeSpan cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var total = Stopwatch.StartNew();
            while (total.Elapsed.TotalSeconds < duration)
            {
                long start = Stopwatch.GetTimestamp();
                step();
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMilliseconds / times.Count;
            times.Sort();
            double median = times[times.Count / 2], p90 = times[(int)(times.Count * 0.9)];
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name} {what}, batch {n}, {t} thread{(t == 1 ? "" : "s")}: median {median:F3} ms, p90 {p90:F3} ms per call ({times.Count:N0} calls), {n / median * 1000:N0} images/s; {cpu:F1} ms of CPU time per call"));
            return ExitCodes.Success;
        }));
        return command;
    }
}
