using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace LeNet.PackageTests;

public partial class PackageTests(PackageFixture package, ITestOutputHelper log) : IClassFixture<PackageFixture>
{
    [Fact]
    public void Pack_Package_HasDllDocsReadmeLicenseSymbolsAndOnlyTensorsAsDependency()
    {
        package.Pack.Code.Should().Be(0, package.Pack.Stdout + package.Pack.Stderr);
        File.Exists(Path.ChangeExtension(package.Package, ".snupkg")).Should().BeTrue("the symbols package is published beside it");

        using ZipArchive zip = ZipFile.OpenRead(package.Package);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        entries.Should().Contain(["lib/net10.0/LeNet.dll", "lib/net10.0/LeNet.xml", "README.md"]);
        entries.Should().NotContain(e => e.StartsWith("runtimes/", StringComparison.Ordinal) || e.StartsWith("native/", StringComparison.Ordinal)
            || e.EndsWith(".so", StringComparison.Ordinal) || e.EndsWith(".dylib", StringComparison.Ordinal) || e.EndsWith(".a", StringComparison.Ordinal), "LeNet is pure managed code");
        entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)).Should().Equal("lib/net10.0/LeNet.dll");

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        metadata.Element(ns + "license")!.Value.Should().Be("MIT");
        metadata.Element(ns + "readme")!.Value.Should().Be("README.md");
        metadata.Element(ns + "repository").Should().NotBeNull();
        metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).Should().Equal("System.Numerics.Tensors");

        log.WriteLine($"LeNet.{package.Version}.nupkg: {new FileInfo(package.Package).Length:N0} bytes ({new FileInfo(Path.ChangeExtension(package.Package, ".snupkg")).Length:N0} bytes of symbols)");
    }

    [Fact]
    public void PackDatasets_Package_HasOnlyItsDllAndDependsOnLeNetAlone()
    {
        package.PackDatasets.Code.Should().Be(0, package.PackDatasets.Stdout + package.PackDatasets.Stderr);
        using ZipArchive zip = ZipFile.OpenRead(package.DatasetsPackage);
        string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
        entries.Should().Contain(["lib/net10.0/LeNet.Datasets.dll", "lib/net10.0/LeNet.Datasets.xml", "README.md"]);
        entries.Where(e => e.EndsWith(".dll", StringComparison.Ordinal)).Should().Equal("lib/net10.0/LeNet.Datasets.dll");

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement[] dependencies = nuspec.Root.Element(ns + "metadata")!.Descendants(ns + "dependency").ToArray();
        dependencies.Select(d => d.Attribute("id")!.Value).Should().Equal("LeNet");
        dependencies.Single().Attribute("version")!.Value.Should().Be(package.Version);
    }

    [Fact]
    public void FreshApp_FromTheFeed_JitAndNativeAotGiveTheRightDigitsAndTheSameLogits()
    {
        package.Pack.Code.Should().Be(0, package.Pack.Stderr);

        var jit = Shell.Run("dotnet", $"run -c Release -- {package.Arguments}", package.App, TimeSpan.FromMinutes(5));
        jit.Code.Should().Be(0, jit.Stdout + jit.Stderr);
        Dictionary<string, (int Digit, float[] Logits)> jitAnswers = Parse(jit.Stdout);
        jitAnswers.Should().HaveCount(2 * package.Digits.Length);
        foreach ((string key, (int digit, _)) in jitAnswers)
        {
            ExpectedDigit(key).Should().Be(digit, $"{key} is a picture of a {ExpectedDigit(key)}");
        }

        // LeNet.Datasets from the feed: the consumer's counts and first label against the IDX headers read here.
        Match mnistLine = MnistLine().Match(jit.Stdout);
        mnistLine.Success.Should().BeTrue(jit.Stdout);
        mnistLine.Groups[1].Value.Should().Be(IdxCount("train-labels-idx1-ubyte.gz", out _).ToString(CultureInfo.InvariantCulture));
        mnistLine.Groups[2].Value.Should().Be(IdxCount("t10k-labels-idx1-ubyte.gz", out byte firstTestLabel).ToString(CultureInfo.InvariantCulture));
        mnistLine.Groups[3].Value.Should().Be(firstTestLabel.ToString(CultureInfo.InvariantCulture));
        int.Parse(mnistLine.Groups[4].Value, CultureInfo.InvariantCulture).Should().BeGreaterThan(475, "the pretrained LeNet is right on more than 95 % of MNIST's first 500 test digits");
        File.ReadAllText(Path.Combine(package.App, "obj", "project.assets.json")).Should().Contain($"\"LeNet.Datasets/{package.Version}\"");

        // The assets file says LeNet came from the package, not from a project.
        File.ReadAllText(Path.Combine(package.App, "obj", "project.assets.json")).Should().Contain($"\"LeNet/{package.Version}\"").And.Contain("\"type\": \"package\"");

        var publish = Shell.Run("dotnet", "publish -c Release -r linux-x64 -p:PublishAot=true -o aot -nologo", package.App, TimeSpan.FromMinutes(8));
        publish.Code.Should().Be(0, publish.Stdout + publish.Stderr);
        string[] warnings = TrimOrAotWarning().Matches(publish.Stdout + publish.Stderr).Select(m => m.Value).Distinct().ToArray();
        warnings.Should().BeEmpty("LeNet is trimming- and NativeAOT-clean");

        string binary = Path.Combine(package.App, "aot", "Consumer");
        var aot = Shell.Run(binary, package.Arguments, package.App, TimeSpan.FromMinutes(1));
        aot.Code.Should().Be(0, aot.Stderr);
        Dictionary<string, (int Digit, float[] Logits)> aotAnswers = Parse(aot.Stdout);
        aotAnswers.Keys.Should().BeEquivalentTo(jitAnswers.Keys);
        double maxDifference = 0;
        foreach ((string key, (int digit, float[] logits)) in aotAnswers)
        {
            digit.Should().Be(jitAnswers[key].Digit, key);
            maxDifference = Math.Max(maxDifference, logits.Zip(jitAnswers[key].Logits, (a, b) => Math.Abs((double)a - b)).Max());
        }

        maxDifference.Should().BeLessThanOrEqualTo(1e-5);
        MnistLine().Match(aot.Stdout).Value.Should().Be(mnistLine.Value, "LeNet.Datasets loads the same data under NativeAOT");
        string firstAnswer = FirstAnswer().Match(aot.Stdout).Groups[1].Value;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"NativeAOT: {warnings.Length} trim/AOT warnings; binary {new FileInfo(binary).Length / 1048576.0:F1} MiB; process run {aot.Elapsed.TotalMilliseconds:F0} ms, first answer after {firstAnswer} ms in-process; max |logit JIT − AOT| = {maxDifference:E1}"));
    }

    /// <summary>The digit a file shows, from its name: mnist-test-N-label-L.pgm or drawn-D.pgm.</summary>
    private static int ExpectedDigit(string key) => key[^5] - '0';

    /// <summary>Lines "Variant file digit logit…" → (variant file) → answer.</summary>
    private static Dictionary<string, (int Digit, float[] Logits)> Parse(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith("Modern ", StringComparison.Ordinal) || line.StartsWith("Classic ", StringComparison.Ordinal))
            .Select(line => line.Split(' '))
            .ToDictionary(
                parts => parts[0] + " " + parts[1],
                parts => (int.Parse(parts[2], CultureInfo.InvariantCulture), parts[3..].Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()));

    /// <summary>The record count of a gzip-compressed IDX label file (big-endian at byte 4) and its first label (byte 8).</summary>
    private int IdxCount(string file, out byte first)
    {
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(package.MnistSubset, file)), CompressionMode.Decompress);
        byte[] header = new byte[9];
        gzip.ReadExactly(header);
        first = header[8];
        return (header[4] << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
    }

    [GeneratedRegex(@"mnist train (\d+) test (\d+) first-test-label (\d) correct (\d+)")]
    private static partial Regex MnistLine();

    [GeneratedRegex(@"\b(IL[23]\d{3})\b")]
    private static partial Regex TrimOrAotWarning();

    [GeneratedRegex(@"first-answer-ms ([\d.]+)")]
    private static partial Regex FirstAnswer();
}
