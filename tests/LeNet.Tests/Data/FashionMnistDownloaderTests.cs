using System.IO.Compression;
using System.Security.Cryptography;
using LeNet.Data;

namespace LeNet.Tests.Data;

/// <summary>
/// The Fashion-MNIST downloader against a loopback HTTP server serving Debian's copies of the four files
/// (installed by the <c>dataset-fashion-mnist</c> package; CI installs it): a download that verifies,
/// progress, and every failure leaving nothing under the real names.
/// </summary>
public class FashionMnistDownloaderTests
{
    private static readonly string[] Names =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    private static string Debian => FashionMnist.DebianDirectory;

    private static string[] FilesIn(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray() : [];

    private sealed class Recorder : IProgress<MnistDownloadProgress>
    {
        public List<MnistDownloadProgress> Reports { get; } = [];

        public Action<MnistDownloadProgress>? OnReport { get; init; }

        public void Report(MnistDownloadProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }

            OnReport?.Invoke(value);
        }
    }

    [Fact]
    public void PublishedContentSums_DebianFiles_MatchWhenDecompressed()
    {
        // Independent of the downloader: gunzip each Debian file and hash it here.
        foreach (FashionMnistFile file in FashionMnistFile.All)
        {
            using var gzip = new GZipStream(File.OpenRead(Path.Combine(Debian, file.Name)), CompressionMode.Decompress);
            using var content = new MemoryStream();
            gzip.CopyTo(content);

            content.Length.Should().Be(file.Size, file.Name);
            Convert.ToHexStringLower(SHA256.HashData(content.ToArray())).Should().Be(file.Sha256, file.Name);
        }
    }

    [Fact]
    public async Task IsCachedAsync_DebianFolder_True()
    {
        var downloader = new FashionMnistDownloader(Debian, new Uri("https://example.invalid/"));

        (await downloader.IsCachedAsync()).Should().BeTrue("Debian's archives hold the published IDX bytes");
    }

    [Fact]
    public async Task EnsureAsync_LoopbackServer_DownloadsTheFourFilesReportsProgressAndThenUsesTheCache()
    {
        using var temp = new TempFolder();
        using var server = new FashionLoopbackServer(FashionLoopbackServer.Files(Debian));
        string cache = temp.File("cache");
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);
        var progress = new Recorder();

        string folder = await downloader.EnsureAsync(progress);

        folder.Should().Be(cache);
        FilesIn(cache).Should().Equal(Names.Order(StringComparer.Ordinal), "no temporary file is left beside them");
        foreach (string name in Names)
        {
            File.ReadAllBytes(Path.Combine(cache, name)).Should().Equal(File.ReadAllBytes(Path.Combine(Debian, name)), name);
        }

        server.Requests.Should().Be(4);
        progress.Reports.Select(r => r.Stage).Distinct().Should().Equal(MnistDownloadStage.Fetching, MnistDownloadStage.Extracting, MnistDownloadStage.Completed);
        List<MnistDownloadProgress> fetching = progress.Reports.Where(r => r.Stage == MnistDownloadStage.Fetching).ToList();
        fetching.Select(r => r.BytesCompleted).Should().BeInAscendingOrder();
        long served = Names.Sum(name => new FileInfo(Path.Combine(Debian, name)).Length);
        fetching[^1].BytesCompleted.Should().Be(served);
        fetching[^1].BytesTotal.Should().Be(26_421_880 + 29_515 + 4_422_102 + 5_148, "the total is the official archives' size");
        fetching.Select(r => r.FileName).Distinct().Should().Equal(Names);
        long content = 47_040_016 + 60_008 + 7_840_016 + 10_008;
        progress.Reports[^1].Should().Be(new MnistDownloadProgress(MnistDownloadStage.Completed, null, content, content));

        Mnist loaded = FashionMnist.Load(folder);
        loaded.Train.Count.Should().Be(60_000);
        loaded.Test.Count.Should().Be(10_000);

        await downloader.EnsureAsync();
        server.Requests.Should().Be(4, "a verified cache is not downloaded again");
    }

    [Fact]
    public async Task EnsureAsync_WrongContent_ThrowsNamingTheFileAndLeavesNothing()
    {
        using var temp = new TempFolder();
        // A well-formed gzip of the labels with one label changed: right size, wrong SHA-256.
        using var server = new FashionLoopbackServer(FashionLoopbackServer.Files(Debian, (name, bytes) =>
        {
            if (name != "t10k-labels-idx1-ubyte.gz")
            {
                return bytes;
            }

            using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            input.CopyTo(raw);
            byte[] labels = raw.ToArray();
            labels[100] = (byte)((labels[100] + 1) % 10);
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(labels);
            }

            return output.ToArray();
        }));
        string cache = temp.File("cache");
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);

        Func<Task> act = () => downloader.EnsureAsync();

        (await act.Should().ThrowAsync<MnistDownloadException>())
            .WithMessage($"Could not get Fashion-MNIST into '{cache}': t10k-labels-idx1-ubyte.gz from {server.BaseUrl}t10k-labels-idx1-ubyte.gz has the wrong content: SHA-256 of its IDX bytes *, expected 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34.*apt-get install dataset-fashion-mnist*");
        FilesIn(cache).Should().BeEmpty("not even the three good files are renamed into place");
    }

    [Fact]
    public async Task EnsureAsync_ServerClosesMidBody_ThrowsAndLeavesNothingUnderTheRealNames()
    {
        using var temp = new TempFolder();
        using var server = new FashionLoopbackServer(async context =>
        {
            byte[] bytes = await File.ReadAllBytesAsync(Path.Combine(Debian, context.Request.Url!.Segments[^1]));
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await context.Response.OutputStream.FlushAsync();
            context.Response.Abort();
        });
        string cache = temp.File("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, Names[0]), "an older file");
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);

        Func<Task> act = () => downloader.EnsureAsync();

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage($"*downloading {server.BaseUrl}train-images-idx3-ubyte.gz failed*");
        FilesIn(cache).Should().Equal(Names[0]);
        File.ReadAllText(Path.Combine(cache, Names[0])).Should().Be("an older file", "a cut download never replaces a file");
    }

    [Fact]
    public async Task EnsureAsync_CancelledDuringTheDownload_ThrowsOperationCanceledAndLeavesNothing()
    {
        using var temp = new TempFolder();
        using var server = new FashionLoopbackServer(FashionLoopbackServer.Files(Debian));
        string cache = temp.File("cache");
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);
        using var cancellation = new CancellationTokenSource();
        var progress = new Recorder
        {
            OnReport = report =>
            {
                if (report.Stage == MnistDownloadStage.Fetching && report.BytesCompleted > 1_000_000)
                {
                    cancellation.Cancel();
                }
            },
        };

        Func<Task> act = () => downloader.EnsureAsync(progress, cancellation.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        FilesIn(cache).Should().BeEmpty();
        progress.Reports.Should().NotContain(r => r.Stage == MnistDownloadStage.Completed);
    }

    [Fact]
    public async Task EnsureAsync_NotFound_ThrowsWithTheStatus()
    {
        using var temp = new TempFolder();
        using var server = new FashionLoopbackServer(FashionLoopbackServer.Files(temp.Path));
        string cache = temp.File("cache");
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);

        Func<Task> act = () => downloader.EnsureAsync();

        (await act.Should().ThrowAsync<MnistDownloadException>()).WithMessage($"*{server.BaseUrl}train-images-idx3-ubyte.gz answered 404 Not Found*");
        FilesIn(cache).Should().BeEmpty();
    }

    [Fact]
    public async Task EnsureAsync_CorruptedCachedFile_DownloadsAgainAndRepairsIt()
    {
        using var temp = new TempFolder();
        using var server = new FashionLoopbackServer(FashionLoopbackServer.Files(Debian));
        string cache = temp.File("cache");
        Directory.CreateDirectory(cache);
        foreach (string name in Names)
        {
            File.Copy(Path.Combine(Debian, name), Path.Combine(cache, name));
        }

        File.WriteAllBytes(Path.Combine(cache, Names[1]), [0x1f, 0x8b, 1, 2, 3]);
        var downloader = new FashionMnistDownloader(cache, server.BaseUrl);

        (await downloader.IsCachedAsync()).Should().BeFalse();
        await downloader.EnsureAsync();

        File.ReadAllBytes(Path.Combine(cache, Names[1])).Should().Equal(File.ReadAllBytes(Path.Combine(Debian, Names[1])));
        FilesIn(cache).Should().Equal(Names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("http://example.com/data/")]
    [InlineData("ftp://127.0.0.1/data/")]
    [InlineData("file:///usr/share/datasets/fashion-mnist/")]
    public void Constructor_NotHttpsNorLoopbackHttp_Throws(string url)
    {
        Action act = () => _ = new FashionMnistDownloader("cache", new Uri(url));

        act.Should().Throw<ArgumentException>().WithMessage($"FashionMnistDownloader: the base URL must be an absolute https:// URL*got '{url}'*");
    }

    [Fact]
    public void Constructor_BaseWithoutSlash_ResolvesFilesInsideIt()
    {
        var downloader = new FashionMnistDownloader("cache", new Uri("https://mirror.example/fashion"));

        downloader.BaseUrl.Should().Be(new Uri("https://mirror.example/fashion/"));
        new FashionMnistDownloader("cache").BaseUrl.Should().Be(new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"));
    }

    [Theory]
    [InlineData("/data/fashion", null, "/home/me", "/data/fashion")]
    [InlineData(null, "/xdg", "/home/me", "/xdg/lenet/fashion-mnist")]
    [InlineData(null, "relative", "/home/me", "/home/me/.cache/lenet/fashion-mnist")]
    [InlineData(null, null, "/home/me", "/home/me/.cache/lenet/fashion-mnist")]
    public void DefaultCacheDirectory_Environment_FollowsTheRules(string? fashion, string? xdg, string home, string expected)
    {
        var environment = new Dictionary<string, string?>
        {
            ["LENET_FASHION_DATA"] = fashion,
            ["LENET_DATA"] = "/somewhere/mnist",
            ["XDG_CACHE_HOME"] = xdg,
            ["HOME"] = home,
        };

        FashionMnistDownloader.DefaultCacheDirectory(name => environment.GetValueOrDefault(name), windows: false).Should().Be(expected);
    }
}
