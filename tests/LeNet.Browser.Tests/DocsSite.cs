using System.Diagnostics;

namespace LeNet.Browser.Tests;

/// <summary>
/// The documentation site as <c>bash docs/build</c> writes it to <c>artifacts/docs/</c> (built here when it is
/// missing; CI builds it in the step before), served by a <see cref="StaticSiteServer"/> on 127.0.0.1.
/// </summary>
public sealed class DocsSite : IDisposable
{
    private readonly StaticSiteServer _server;

    public DocsSite()
    {
        Root = Path.Combine(PublishedSite.RepositoryRoot, "artifacts", "docs");
        if (!File.Exists(Path.Combine(Root, "index.html")))
        {
            using var build = Process.Start(new ProcessStartInfo("bash", "docs/build")
            {
                WorkingDirectory = PublishedSite.RepositoryRoot,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            Task<string> stdout = build.StandardOutput.ReadToEndAsync();
            Task<string> stderr = build.StandardError.ReadToEndAsync();
            build.WaitForExit();
            build.ExitCode.Should().Be(0, "bash docs/build succeeds:\n" + stdout.Result + stderr.Result);
        }

        File.Exists(Path.Combine(Root, "index.html")).Should().BeTrue($"the site has {Root}/index.html");
        _server = new StaticSiteServer(Root);
    }

    /// <summary>The built site's folder.</summary>
    public string Root { get; }

    /// <summary>The site's address.</summary>
    public Uri Address => _server.Address;

    /// <summary>Every response the server sent.</summary>
    public StaticSiteServer Server => _server;

    public void Dispose() => _server.Dispose();
}
