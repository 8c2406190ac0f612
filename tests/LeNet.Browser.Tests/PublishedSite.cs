using System.Diagnostics;

namespace LeNet.Browser.Tests;

/// <summary>
/// The WebAssembly app as it ships: <c>dotnet publish src/LeNet.Browser -c Release -o artifacts/browser-site</c>
/// once per test run (or the site already published in <c>LENET_BROWSER_SITE</c>), served from its wwwroot
/// by a <see cref="StaticSiteServer"/> on 127.0.0.1.
/// </summary>
public sealed class PublishedSite : IDisposable
{
    private readonly StaticSiteServer _server;

    public PublishedSite()
    {
        string? given = Environment.GetEnvironmentVariable("LENET_BROWSER_SITE");
        string output = given is { Length: > 0 } ? given : Path.Combine(RepositoryRoot, "artifacts", "browser-site");
        string givenLog = Path.Combine(output, "publish.log");
        PublishLog = given is not { Length: > 0 } ? Publish(output) : File.Exists(givenLog) ? File.ReadAllText(givenLog) : null;

        WebRoot = Path.Combine(output, "wwwroot");
        File.Exists(Path.Combine(WebRoot, "index.html")).Should().BeTrue($"the published site has {WebRoot}/index.html");
        _server = new StaticSiteServer(WebRoot);
    }

    /// <summary>The repository root: the folder with LeNet.sln above the test's output.</summary>
    public static string RepositoryRoot
    {
        get
        {
            DirectoryInfo? folder = new(AppContext.BaseDirectory);
            while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "LeNet.sln")))
            {
                folder = folder.Parent;
            }

            return folder?.FullName ?? throw new InvalidOperationException($"LeNet.sln not found above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The site's address.</summary>
    public Uri Address => _server.Address;

    /// <summary>The published static files.</summary>
    public string WebRoot { get; }

    /// <summary>What <c>dotnet publish</c> printed: here, or for a site published beforehand its <c>publish.log</c> (null when it has none).</summary>
    public string? PublishLog { get; }

    /// <summary>Every response the server sent.</summary>
    public StaticSiteServer Server => _server;

    public void Dispose() => _server.Dispose();

    private static string Publish(string output)
    {
        // No build servers or reused nodes: nothing may outlive the test run.
        string project = Path.Combine(RepositoryRoot, "src", "LeNet.Browser", "LeNet.Browser.csproj");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "publish", project, "-c", "Release", "-o", output, "-nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string log = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"dotnet publish of the WebAssembly app succeeds:\n{log}");
        return log;
    }
}
