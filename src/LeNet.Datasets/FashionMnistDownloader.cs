using System.Buffers;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;

namespace LeNet.Data;

/// <summary>
/// Fetches Fashion-MNIST once into a cache folder and verifies it: the four gzip IDX files of
/// zalandoresearch/fashion-mnist, downloaded over HTTPS from <see cref="BaseUrl"/> and checked against
/// their SHA-256 sums.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="EnsureAsync"/> returns at once when the cache folder already holds the four verified files;
/// otherwise it downloads each file to a temporary file beside its final place, verifies it, and renames
/// the four into place only when all of them have verified. An interrupted, cancelled or failed download
/// leaves no half-written file under a real name.
/// </para>
/// <para>
/// A file verifies when its decompressed bytes have the published size and SHA-256 (the sums of the IDX
/// files inside the official archives), so the official archives and Debian's recompressed copies
/// (<see cref="FashionMnist.DebianDirectory"/>) both pass.
/// </para>
/// <para>
/// The cache folder is, in order: the constructor's argument; the <c>LENET_FASHION_DATA</c> environment
/// variable; <c>$XDG_CACHE_HOME/lenet/fashion-mnist</c>; <c>~/.cache/lenet/fashion-mnist</c>
/// (<c>%LOCALAPPDATA%\lenet\fashion-mnist</c> on Windows). The base URL is the constructor's argument, else
/// <c>LENET_FASHION_URL</c>, else <see cref="DefaultBaseUrl"/>; it must be HTTPS (plain HTTP only to a
/// loopback address, for a local mirror).
/// </para>
/// </remarks>
public sealed class FashionMnistDownloader
{
    /// <summary>Where the official files are: the <c>data/fashion/</c> folder of zalandoresearch/fashion-mnist on GitHub.</summary>
    public const string DefaultBaseUrl = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/";

    /// <summary>The environment variable that overrides the default cache folder.</summary>
    public const string EnvironmentVariable = "LENET_FASHION_DATA";

    /// <summary>The environment variable that overrides <see cref="DefaultBaseUrl"/>.</summary>
    public const string BaseUrlEnvironmentVariable = "LENET_FASHION_URL";

    private const int BufferSize = 1 << 16;

    private readonly IReadOnlyList<FashionMnistFile> _files;
    private readonly HttpClient? _httpClient;

    /// <summary>Creates a downloader.</summary>
    /// <param name="cacheDirectory">Where the four files are kept; <see langword="null"/> for <see cref="GetDefaultCacheDirectory"/>.</param>
    /// <param name="baseUrl">The folder the four files are fetched from; <see langword="null"/> for <c>$LENET_FASHION_URL</c> or <see cref="DefaultBaseUrl"/>.</param>
    /// <param name="httpClient">The client to download with (its handler, proxy and timeout); a new one when <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">The base URL is not absolute, or is neither HTTPS nor HTTP to a loopback address.</exception>
    public FashionMnistDownloader(string? cacheDirectory = null, Uri? baseUrl = null, HttpClient? httpClient = null)
        : this(cacheDirectory ?? GetDefaultCacheDirectory(), baseUrl ?? DefaultBase(), httpClient, FashionMnistFile.All)
    {
    }

    /// <summary>The testable core: <paramref name="files"/> replaces Fashion-MNIST's table of names, sizes and sums.</summary>
    internal FashionMnistDownloader(string cacheDirectory, Uri baseUrl, HttpClient? httpClient, IReadOnlyList<FashionMnistFile> files)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri || !(baseUrl.Scheme == Uri.UriSchemeHttps || (baseUrl.Scheme == Uri.UriSchemeHttp && baseUrl.IsLoopback)))
        {
            throw new ArgumentException(
                $"FashionMnistDownloader: the base URL must be an absolute https:// URL (http:// only to a loopback address), got '{baseUrl}'.", nameof(baseUrl));
        }

        CacheDirectory = Path.GetFullPath(cacheDirectory);
        // A base without a trailing slash would lose its last segment when a file name is resolved against it.
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _httpClient = httpClient;
        _files = files;
    }

    /// <summary>The full path of the folder that holds (or will hold) the four files; give it to <see cref="FashionMnist.Load"/>.</summary>
    public string CacheDirectory { get; }

    /// <summary>The folder the four files are downloaded from (with a trailing slash).</summary>
    public Uri BaseUrl { get; }

    /// <summary>
    /// The cache folder used when none is given: <c>$LENET_FASHION_DATA</c> if set, else
    /// <c>$XDG_CACHE_HOME/lenet/fashion-mnist</c> if set (and absolute), else <c>~/.cache/lenet/fashion-mnist</c>
    /// (<c>%LOCALAPPDATA%\lenet\fashion-mnist</c> on Windows).
    /// </summary>
    /// <returns>A full path; the folder may not exist yet.</returns>
    public static string GetDefaultCacheDirectory() =>
        DefaultCacheDirectory(Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());

    /// <summary>The rule of <see cref="GetDefaultCacheDirectory"/> over a given environment: MNIST's rule with its own variable and folder name.</summary>
    internal static string DefaultCacheDirectory(Func<string, string?> environment, bool windows)
    {
        string? data = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(data))
        {
            return Path.GetFullPath(data);
        }

        // MNIST's folder without its LENET_DATA override, then the sibling "fashion-mnist".
        string mnist = MnistDownloader.DefaultCacheDirectory(name => name == MnistFiles.EnvironmentVariable ? null : environment(name), windows);
        return Path.Combine(Path.GetDirectoryName(mnist)!, "fashion-mnist");
    }

    /// <summary>
    /// Whether the cache folder holds the four files and each decompresses to its published size and
    /// SHA-256. A missing file answers at once; otherwise the files are decompressed and hashed (about 55 MB).
    /// </summary>
    /// <param name="progress">Receives <see cref="MnistDownloadStage.Verifying"/> reports while hashing (bytes of decompressed content).</param>
    /// <param name="cancellationToken">Stops the hashing.</param>
    /// <returns><see langword="true"/> when all four files verify.</returns>
    public async Task<bool> IsCachedAsync(IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (_files.Any(file => !File.Exists(Path.Combine(CacheDirectory, file.Name))))
        {
            return false;
        }

        var counter = new ByteCounter(MnistDownloadStage.Verifying, _files.Sum(file => file.Size), progress);
        foreach (FashionMnistFile file in _files)
        {
            if (await VerifyAsync(Path.Combine(CacheDirectory, file.Name), file, counter, cancellationToken).ConfigureAwait(false) is not null)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Makes sure the cache folder holds the four verified files, downloading them when it does not, and
    /// returns the folder for <see cref="FashionMnist.Load"/>.
    /// </summary>
    /// <param name="progress">
    /// Receives the stages: <see cref="MnistDownloadStage.Verifying"/> (decompressed bytes hashed),
    /// <see cref="MnistDownloadStage.Fetching"/> (bytes downloaded, of the official archives' total),
    /// <see cref="MnistDownloadStage.Extracting"/> (decompressed bytes verified), <see cref="MnistDownloadStage.Completed"/>.
    /// </param>
    /// <param name="cancellationToken">Stops the download or the hashing; nothing half-written is left under a real name.</param>
    /// <returns><see cref="CacheDirectory"/>.</returns>
    /// <exception cref="MnistDownloadException">A download failed or was cut short, the server answered with an error, or a file's content differs from the published one; the message names the file and says how to get the files by hand.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> EnsureAsync(IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await IsCachedAsync(progress, cancellationToken).ConfigureAwait(false))
        {
            Completed(progress);
            return CacheDirectory;
        }

        Directory.CreateDirectory(CacheDirectory);
        var staged = new Dictionary<FashionMnistFile, string>();
        HttpClient client = _httpClient ?? new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        try
        {
            var fetched = new ByteCounter(MnistDownloadStage.Fetching, _files.Sum(file => file.CompressedSize), progress);
            foreach (FashionMnistFile file in _files)
            {
                string temporary = Path.Combine(CacheDirectory, $".{file.Name}.{Guid.NewGuid():N}.partial");
                staged[file] = temporary;
                await DownloadAsync(client, file, temporary, fetched, cancellationToken).ConfigureAwait(false);
            }

            var verified = new ByteCounter(MnistDownloadStage.Extracting, _files.Sum(file => file.Size), progress);
            foreach (FashionMnistFile file in _files)
            {
                if (await VerifyAsync(staged[file], file, verified, cancellationToken).ConfigureAwait(false) is { } problem)
                {
                    throw Fail($"{file.Name} from {new Uri(BaseUrl, file.Name)} {problem}");
                }
            }

            // All four verified: only now do they take their real names (rename within one folder is atomic).
            foreach (FashionMnistFile file in _files)
            {
                File.Move(staged[file], Path.Combine(CacheDirectory, file.Name), overwrite: true);
                staged.Remove(file);
            }
        }
        finally
        {
            foreach (string temporary in staged.Values)
            {
                TryDelete(temporary);
            }

            if (_httpClient is null)
            {
                client.Dispose();
            }
        }

        Completed(progress);
        return CacheDirectory;
    }

    /// <summary>Describes the downloader by its base URL and cache folder.</summary>
    /// <returns>For example <c>FashionMnistDownloader(https://… → /home/me/.cache/lenet/fashion-mnist)</c>.</returns>
    public override string ToString() => $"FashionMnistDownloader({BaseUrl} → {CacheDirectory})";

    /// <summary>Streams one file's body into <paramref name="temporary"/>, refusing an error status and a body far longer than the archive.</summary>
    private async Task DownloadAsync(HttpClient client, FashionMnistFile file, string temporary, ByteCounter counter, CancellationToken cancellationToken)
    {
        var url = new Uri(BaseUrl, file.Name);
        // A gzip stream is never much longer than its content; anything beyond this is not the file.
        long limit = file.CompressedSize + (file.CompressedSize / 4) + 4096;
        try
        {
            using HttpResponseMessage response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw Fail($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            if (response.Content.Headers.ContentLength > limit)
            {
                throw Fail($"{url} is {response.Content.Headers.ContentLength} bytes, expected about {file.CompressedSize}");
            }

            Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    try
                    {
                        long total = 0;
                        int read;
                        while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            total += read;
                            if (total > limit)
                            {
                                throw Fail($"{url} sent more than {limit} bytes, expected about {file.CompressedSize}");
                            }

                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            counter.Add(file.Name, read);
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException and not MnistDownloadException
            || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A refused connection, a body cut short, a timeout (HttpClient's own cancellation).
            throw Fail($"downloading {url} failed: {e.Message}", e);
        }
    }

    /// <summary>Decompresses and hashes one file; null when it has the expected content, else what is wrong with it.</summary>
    private static async Task<string?> VerifyAsync(string path, FashionMnistFile file, ByteCounter counter, CancellationToken cancellationToken)
    {
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                var gzip = new GZipStream(stream, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                    try
                    {
                        long total = 0;
                        int read;
                        while ((read = await gzip.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            total += read;
                            if (total > file.Size)
                            {
                                return $"decompresses to more than {file.Size} bytes";
                            }

                            hash.AppendData(buffer, 0, read);
                            counter.Add(file.Name, read);
                        }

                        if (total != file.Size)
                        {
                            return $"decompresses to {total} bytes, expected {file.Size}";
                        }

                        string actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                        return actual == file.Sha256 ? null : $"has the wrong content: SHA-256 of its IDX bytes {actual}, expected {file.Sha256}";
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
            }
        }
        catch (InvalidDataException e)
        {
            return $"is not a valid gzip file ({e.Message})";
        }
    }

    private void Completed(IProgress<MnistDownloadProgress>? progress)
    {
        long total = _files.Sum(file => file.Size);
        progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Completed, null, total, total));
    }

    private MnistDownloadException Fail(string problem, Exception? inner = null) =>
        new($"Could not get Fashion-MNIST into '{CacheDirectory}': {problem}.{Environment.NewLine}{FashionMnist.ManualSteps(CacheDirectory)}", inner);

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Best effort: a leftover .partial file is ignored by every reader and replaced next time.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Uri DefaultBase() =>
        new(Environment.GetEnvironmentVariable(BaseUrlEnvironmentVariable) is { Length: > 0 } url ? url : DefaultBaseUrl);

    /// <summary>Adds up the bytes of one stage over all files and reports them.</summary>
    private sealed class ByteCounter(MnistDownloadStage stage, long total, IProgress<MnistDownloadProgress>? progress)
    {
        private long _done;

        public void Add(string fileName, int bytes)
        {
            _done += bytes;
            progress?.Report(new MnistDownloadProgress(stage, fileName, _done, total));
        }
    }
}
