using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace LeNet.Web.Tests;

/// <summary>The built app (LeNet.Web.dll beside the tests) run as its own process, as a user runs it.</summary>
internal sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LeNet.Web.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the app; its own arguments follow the dll.</summary>
    public static AppProcess Start(params string[] args) => new(args);

    /// <summary>Waits until the app says where it listens.</summary>
    public async Task<Uri> ListeningAsync() =>
        await _listening.Task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

    /// <summary>Waits up to 10 s for a line matching a pattern (the console logger writes in the background).</summary>
    public async Task<bool> WaitForOutputAsync(string pattern)
    {
        for (int i = 0; i < 100 && !Regex.IsMatch(Output, pattern); i++)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        return Regex.IsMatch(Output, pattern);
    }

    /// <summary>Waits for the app to exit by itself.</summary>
    public async Task<int> ExitCodeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
