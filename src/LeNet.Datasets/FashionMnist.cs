namespace LeNet.Data;

/// <summary>
/// Fashion-MNIST, the data set d2l trains LeNet on: 70,000 28×28 grayscale pictures of clothing in ten
/// classes (<see cref="ClassNames"/>), in MNIST's four-file IDX format, so it loads as an <see cref="Mnist"/>.
/// </summary>
/// <remarks>
/// Where the files come from, in the order <see cref="LoadOrDownloadAsync"/> tries: a folder you give;
/// <see cref="FashionMnistDownloader"/>'s cache when it holds the verified files; Debian's
/// <c>dataset-fashion-mnist</c> package (<see cref="DebianDirectory"/>); a download over HTTPS from
/// zalandoresearch/fashion-mnist into the cache. Fashion-MNIST is © Zalando SE, under the MIT license.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the four <c>.gz</c> files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] Names =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The name of each label, 0 to 9: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.</summary>
    public static IReadOnlyList<string> ClassNames => Names;

    /// <summary>Loads Fashion-MNIST from a folder holding its four files (raw or <c>.gz</c>); the same as <see cref="Mnist.Load"/>.</summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The training split (60,000 images) and test split (10,000 images).</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static Mnist Load(string directory) => Mnist.Load(directory);

    /// <summary>
    /// The folder to load Fashion-MNIST from without a download, or <see langword="null"/> when there is
    /// none: the downloader's cache when it holds the four verified files, else <see cref="DebianDirectory"/>
    /// when it holds the four files.
    /// </summary>
    /// <param name="downloader">The downloader whose cache is checked; the default one when null.</param>
    /// <param name="cancellationToken">Stops the cache's verification.</param>
    /// <returns>A folder path, or null.</returns>
    public static async Task<string?> FindLocalAsync(FashionMnistDownloader? downloader = null, CancellationToken cancellationToken = default)
    {
        downloader ??= new FashionMnistDownloader();
        if (await downloader.IsCachedAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            return downloader.CacheDirectory;
        }

        return HasFiles(DebianDirectory) ? DebianDirectory : null;
    }

    /// <summary>
    /// Loads Fashion-MNIST from <paramref name="directory"/> when one is given; otherwise from the cache or
    /// Debian's folder (<see cref="FindLocalAsync"/>), downloading into the cache when neither has it.
    /// </summary>
    /// <param name="directory">A folder with the four files, or <see langword="null"/>.</param>
    /// <param name="progress">Receives the downloader's reports.</param>
    /// <param name="cancellationToken">Stops the verification or download.</param>
    /// <returns>The training and test splits.</returns>
    /// <exception cref="MnistDownloadException">The files could not be downloaded; the message gives the manual steps.</exception>
    /// <exception cref="FileNotFoundException">A file is missing from <paramref name="directory"/>.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static async Task<Mnist> LoadOrDownloadAsync(
        string? directory = null, IProgress<MnistDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (directory is not null)
        {
            return Load(directory);
        }

        var downloader = new FashionMnistDownloader();
        string folder = await FindLocalAsync(downloader, cancellationToken).ConfigureAwait(false)
            ?? await downloader.EnsureAsync(progress, cancellationToken).ConfigureAwait(false);
        return Load(folder);
    }

    /// <summary>Whether <paramref name="folder"/> holds the four files under their standard names (raw or .gz).</summary>
    internal static bool HasFiles(string folder) =>
        Directory.Exists(folder)
        && MnistFiles.All.All(name => MnistFiles.Candidates(name).Any(candidate => File.Exists(Path.Combine(folder, candidate))));

    /// <summary>How to get the files by hand; <paramref name="folder"/> is where they should go.</summary>
    internal static string ManualSteps(string folder) =>
        $"""
        To get Fashion-MNIST by hand:
          - on Debian or Ubuntu: sudo apt-get install dataset-fashion-mnist   (installs the files in {DebianDirectory}), or
          - download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
            t10k-labels-idx1-ubyte.gz from {FashionMnistDownloader.DefaultBaseUrl}
            into {folder}
        Or pass a folder holding the four files (the command line's --data), or set {FashionMnistDownloader.BaseUrlEnvironmentVariable} to a mirror.
        """;
}
