using System.Globalization;

namespace LeNet.PackageTests;

/// <summary>
/// Packs LeNet once, with a version of its own (a restored package is cached by id and version, so a
/// reused version would test an older build), into a temporary folder feed, and writes the consumer app
/// into a temporary folder outside the repository.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public PackageFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "lenet-package-" + Guid.NewGuid().ToString("N")[..12]);
        Feed = Path.Combine(Root, "feed");
        App = Path.Combine(Root, "app");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(App);
        Version = "0.1.0-pkgtest." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "." + Environment.ProcessId;

        string repository = Shell.RepositoryRoot();
        Pack = Shell.Run("dotnet", $"pack src/LeNet/LeNet.csproj -c Release -o \"{Feed}\" -p:Version={Version} -nologo", repository, TimeSpan.FromMinutes(5));
        PackDatasets = Shell.Run("dotnet", $"pack src/LeNet.Datasets/LeNet.Datasets.csproj -c Release -o \"{Feed}\" -p:Version={Version} -nologo", repository, TimeSpan.FromMinutes(5));

        string template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Consumer", "Consumer.csproj.template"));
        File.WriteAllText(Path.Combine(App, "Consumer.csproj"), template.Replace("$LENET_VERSION$", Version, StringComparison.Ordinal));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Consumer", "Program.cs"), Path.Combine(App, "Program.cs"));

        // The folder feed is added to the sources the machine already has (no source is named here).
        File.WriteAllText(Path.Combine(App, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="lenet-test-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        Digits = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "digits"), "*.pgm").Order(StringComparer.Ordinal).ToArray();
    }

    public string Root { get; }

    public string Feed { get; }

    public string App { get; }

    public string Version { get; }

    public string[] Digits { get; }

    public (int Code, string Stdout, string Stderr, TimeSpan Elapsed) Pack { get; }

    public (int Code, string Stdout, string Stderr, TimeSpan Elapsed) PackDatasets { get; }

    public string Package => Path.Combine(Feed, $"LeNet.{Version}.nupkg");

    public string DatasetsPackage => Path.Combine(Feed, $"LeNet.Datasets.{Version}.nupkg");

    /// <summary>The committed MNIST excerpt (1,000 training, 500 test images) the consumer loads with LeNet.Datasets.</summary>
    public string MnistSubset => Path.Combine(AppContext.BaseDirectory, "mnist-subset");

    public string Arguments => string.Join(" ", Digits.Select(d => $"\"{d}\"")) + $" \"{MnistSubset}\"";

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);

        // The unique version was restored into the global packages folder: remove it again.
        string cached = Path.Combine(
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            "lenet", Version.ToLowerInvariant());
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }

        string cachedDatasets = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(cached))!, "lenet.datasets", Version.ToLowerInvariant());
        if (Directory.Exists(cachedDatasets))
        {
            Directory.Delete(cachedDatasets, recursive: true);
        }
    }
}
