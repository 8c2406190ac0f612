using System.CommandLine;
using System.Globalization;
using System.Reflection;
using LeNet.Cli.Output;
using LeNet.Data;
using LeNet.IO;
using LeNet.Training;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet train</c>: fetches MNIST if needed, trains a recipe with live progress, evaluates on the test
/// set after each epoch, and writes model.safetensors, metrics.json and training.svg. Ctrl+C stops after
/// the current batch and still writes all three.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CliContext context)
    {
        var recipe = new Option<string>("--recipe")
        {
            Description = "modern: ReLU/MaxPool LeNet, Adam lr 1e-3, batch 128 (default). d2l: the chapter's sigmoid LeNet, Xavier init, SGD lr 0.9, batch 256. classic: the sigmoid LeNet with Adam lr 1e-3, batch 128. bn: d2l's BatchNorm LeNet, Xavier init, SGD lr 1.0, batch 256. wide: a 94k-parameter LeNet with random shifts of ±2 px, Adam lr 3e-3 on a cosine schedule, batch 128, 8 epochs (> 99.3 % on MNIST). resnet: a small ResNet for --dataset fashion-mnist (d2l's Residual blocks, 32/64/128 channels, 308k parameters), SGD lr 0.1 with momentum 0.9 and weight decay 5e-4 on a cosine schedule, batch 128, 10 epochs (much slower per epoch than the LeNets).",
            DefaultValueFactory = _ => "modern",
        };
        recipe.AcceptOnlyFromAmong(TrainingRecipe.Names);
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the 60,000 training images (default: the recipe's, 10 for most)." };
        Option<string> dataset = Dataset();
        var learningRate = new Option<float?>("--lr") { Description = "Learning rate (default: the recipe's)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Images per step (default: the recipe's)." };
        var seed = new Option<int>("--seed") { Description = "Seeds the initial weights and the shuffling.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Threads to use.", DefaultValueFactory = _ => Environment.ProcessorCount };
        Option<string?> data = CommonOptions.Data();
        var output = new Option<string>("--out") { Description = "Folder for model.safetensors, metrics.json and training.svg.", DefaultValueFactory = _ => "lenet-run" };

        var command = new Command("train", "Train LeNet on MNIST or Fashion-MNIST and save the weights, the metrics and a plot.")
        {
            recipe, epochs, learningRate, batchSize, seed, threads, dataset, data, output,
        };
        command.SetAction(parse => CommandRunner.Run(context, "train", () =>
        {
            TrainingRecipe chosen = TrainingRecipe.Named(parse.GetValue(recipe)!);
            var run = new TrainingRun(
                chosen,
                Positive(parse.GetValue(epochs) ?? chosen.Epochs, "--epochs"),
                Positive(parse.GetValue(batchSize) ?? chosen.BatchSize, "--batch-size"),
                parse.GetValue(learningRate) ?? chosen.LearningRate,
                parse.GetValue(seed),
                Positive(parse.GetValue(threads), "--threads"),
                "",
                parse.GetValue(dataset)!);
            if (!(run.LearningRate > 0 && float.IsFinite(run.LearningRate)))
            {
                throw new CliException(ExitCodes.Usage, $"--lr must be a positive number, got {run.LearningRate}");
            }

            return Run(context, run, parse.GetValue(data), parse.GetValue(output)!);
        }));
        return command;
    }

    private static int Run(CliContext context, TrainingRun run, string? dataDirectory, string outputDirectory)
    {
        Parallelism.MaxDegreeOfParallelism = run.Threads;
        Mnist mnist = DataLoading.Load(context, dataDirectory, run.Dataset);
        run = run with { DataDirectory = mnist.DirectoryPath };
        Directory.CreateDirectory(outputDirectory);

        LeNet.Layers.Module model = run.Recipe.CreateModel(run.Seed);
        Optimizer optimizer = run.Recipe.CreateOptimizer(model, run.LearningRate);
        var trainer = new Trainer(model, optimizer, schedule: run.Recipe.CreateSchedule(optimizer, run.Epochs));
        IBatchSource train = run.Recipe.TrainingData(mnist.Train, run.Seed);
        var options = new TrainerOptions { Epochs = run.Epochs, BatchSize = run.BatchSize, Seed = run.Seed };
        context.Output.WriteLine(
            $"Training {run.Recipe.Name} ({run.Recipe.Description}) on {mnist.Train.Count:N0} {DataLoading.DisplayName(run.Dataset)} images for {run.Epochs} epoch{(run.Epochs == 1 ? "" : "s")}: batch {run.BatchSize}, lr {run.LearningRate.ToString(CultureInfo.InvariantCulture)}, seed {run.Seed}, {run.Threads} thread{(run.Threads == 1 ? "" : "s")}.");

        bool cancelled = false;
        try
        {
            if (context.IsTerminal)
            {
                FitWithProgressBar(context, trainer, train, mnist.Test, options);
            }
            else
            {
                trainer.Fit(train, mnist.Test, options, new EpochLines(context.Output), context.Cancellation);
            }
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
        }
        catch (TrainingDivergedException)
        {
            Save(context, model, trainer.History, run, outputDirectory);
            throw;
        }

        (string weights, string metrics, string plot) = Save(context, model, trainer.History, run, outputDirectory);
        EpochMetrics? last = trainer.History.Count > 0 ? trainer.History[^1] : null;
        if (cancelled)
        {
            context.Output.WriteLine($"Stopped by Ctrl+C after {trainer.History.Count} complete epoch(s); the weights after the last whole step are saved.");
        }
        else if (last is not null)
        {
            double seconds = trainer.History.Average(e => e.Seconds);
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {last.TestAccuracy:P2} after {last.Epoch} epoch{(last.Epoch == 1 ? "" : "s")} ({seconds:F2} s per epoch, {trainer.History.Average(e => e.ImagesPerSecond):N0} images/s)."));
        }

        context.Output.WriteLine($"Wrote {weights}, {metrics} and {plot}.");
        return cancelled ? ExitCodes.Cancelled : ExitCodes.Success;
    }

    private static void FitWithProgressBar(CliContext context, Trainer trainer, IBatchSource train, IBatchSource test, TrainerOptions options)
    {
        context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(progress =>
            {
                int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
                ProgressTask task = progress.AddTask("training", maxValue: (double)batches * options.Epochs);
                trainer.Fit(train, test, options, new Reporter(report =>
                {
                    task.Value = ((report.Epoch - 1.0) * report.BatchesPerEpoch) + report.Batch;
                    task.Description = report.EpochCompleted is { } done
                        ? Markup.Escape($"{done.Epoch}/{options.Epochs} epochs done")
                        : Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"epoch {report.Epoch}/{options.Epochs} · batch {report.Batch}/{report.BatchesPerEpoch} · loss {report.Loss:F4} · acc {report.Accuracy:P1} · {report.ImagesPerSecond:N0} img/s"));
                    if (report.EpochCompleted is { } epoch)
                    {
                        progress.AddTask(Markup.Escape(EpochLines.Describe(epoch, options.Epochs)), autoStart: false, maxValue: 1).Value = 1;
                    }
                }), context.Cancellation);
            });
    }

    private static (string Weights, string Metrics, string Plot) Save(CliContext context, LeNet.Layers.Module model, IReadOnlyList<EpochMetrics> history, TrainingRun run, string folder)
    {
        string weights = Path.Combine(folder, "model.safetensors");
        string metrics = Path.Combine(folder, "metrics.json");
        string plot = Path.Combine(folder, "training.svg");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["recipe"] = run.Recipe.Name,
            ["model"] = run.Recipe.ModelName,
            ["dataset"] = run.Dataset,
            ["epochs"] = history.Count.ToString(CultureInfo.InvariantCulture),
            ["seed"] = run.Seed.ToString(CultureInfo.InvariantCulture),
            ["batch_size"] = run.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["learning_rate"] = run.LearningRate.ToString(CultureInfo.InvariantCulture),
            ["library"] = "LeNet " + LibraryVersion(),
        };
        if (history.Count > 0 && history[^1].TestAccuracy is double accuracy)
        {
            metadata["test_accuracy"] = accuracy.ToString("F4", CultureInfo.InvariantCulture);
        }

        try
        {
            SafeTensors.Write(weights, model.StateDict(), metadata);
            MetricsFile.Write(metrics, run, history);
            TrainingPlot.Write(plot, $"LeNet on {DataLoading.DisplayName(run.Dataset)}: {run.Recipe.Name} recipe, {history.Count} epoch{(history.Count == 1 ? "" : "s")}", history);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.IOFailure, $"cannot write the results to '{folder}': {e.Message}", e);
        }

        return (weights, metrics, plot);
    }

    /// <summary>--dataset: mnist (the default) or fashion-mnist.</summary>
    internal static Option<string> Dataset(bool withDefault = true)
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "mnist (handwritten digits) or fashion-mnist (Zalando's clothing pictures: --data, else the cache, else Debian's /usr/share/datasets/fashion-mnist, else a download over HTTPS).",
        };
        if (withDefault)
        {
            dataset.DefaultValueFactory = _ => "mnist";
        }

        dataset.AcceptOnlyFromAmong(DataLoading.Datasets);
        return dataset;
    }

    internal static string LibraryVersion() =>
        typeof(Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new CliException(ExitCodes.Usage, $"{name} must be at least 1, got {value}");

    /// <summary>Plain output: one line per epoch.</summary>
    private sealed class EpochLines(TextWriter output) : IProgress<TrainingProgress>
    {
        public static string Describe(EpochMetrics e, int epochs) => string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {e.Epoch}/{epochs}: loss {e.TrainLoss:F4}, train accuracy {e.TrainAccuracy:P2}, test accuracy {e.TestAccuracy:P2}, {e.Seconds:F2} s, {e.ImagesPerSecond:N0} images/s");

        public void Report(TrainingProgress value)
        {
            if (value.EpochCompleted is { } epoch)
            {
                output.WriteLine(Describe(epoch, int.MaxValue).Replace($"/{int.MaxValue}", "", StringComparison.Ordinal));
            }
        }
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
