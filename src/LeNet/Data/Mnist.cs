namespace LeNet.Data;

/// <summary>
/// MNIST (or any data set in its format, such as Fashion-MNIST) loaded from a folder: the training and
/// test splits, each a set of 28×28 grayscale images with a label each.
/// </summary>
/// <remarks>
/// <para>
/// The folder holds the four files of the original distribution — <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c> — each
/// plain or gzip-compressed (<c>.gz</c>), also under the dotted names <c>train-images.idx3-ubyte</c> etc.
/// The LeNet.Datasets package fetches and caches MNIST itself (<c>MnistDownloader</c>, <c>Mnist.LoadOrDownloadAsync</c>).
/// </para>
/// <para>
/// The pixels stay bytes in memory (47 MB for the training split); <see cref="MnistSplit.CopyImages(ReadOnlySpan{int}, Tensor)"/>
/// converts a mini-batch to floats in [0, 1] as it copies it, the way torchvision's <c>ToTensor</c> does.
/// MNIST's own data is © Y. LeCun, C. Cortes and C. Burges, under CC BY-SA 3.0.
/// </para>
/// </remarks>
public sealed class Mnist
{
    /// <summary>The height of every image, in pixels.</summary>
    public const int ImageHeight = 28;

    /// <summary>The width of every image, in pixels.</summary>
    public const int ImageWidth = 28;

    private Mnist(string directoryPath, MnistSplit train, MnistSplit test)
    {
        DirectoryPath = directoryPath;
        Train = train;
        Test = test;
    }

    /// <summary>The full path of the folder the files were read from.</summary>
    public string DirectoryPath { get; }

    /// <summary>The training split (60,000 images for MNIST).</summary>
    public MnistSplit Train { get; }

    /// <summary>The test split (10,000 images for MNIST).</summary>
    public MnistSplit Test { get; }

    /// <summary>
    /// Loads the four MNIST files from <paramref name="directory"/>, checking that each is a well-formed
    /// IDX file of the expected kind: unsigned-byte images of 28×28 pixels, unsigned-byte labels, as many
    /// labels as images. Label values are not restricted (any byte is a class).
    /// </summary>
    /// <param name="directory">The folder holding the files, raw or <c>.gz</c>.</param>
    /// <returns>The training and test splits.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists every name looked for and how to get the files.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or not what MNIST has in that place; the message names it.</exception>
    public static Mnist Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException(
                $"Mnist.Load: the folder '{full}' does not exist.{Environment.NewLine}{MnistFiles.ManualSteps(full)}");
        }

        var paths = new string[MnistFiles.All.Length];
        var missing = new List<string>();
        string? firstMissing = null;
        for (int i = 0; i < paths.Length; i++)
        {
            string[] candidates = MnistFiles.Candidates(MnistFiles.All[i]);
            string? found = candidates.Select(name => Path.Combine(full, name)).FirstOrDefault(File.Exists);
            if (found is null)
            {
                firstMissing ??= Path.Combine(full, MnistFiles.All[i]);
                missing.Add($"  {MnistFiles.All[i]} (looked for {string.Join(", ", candidates)})");
            }

            paths[i] = found ?? "";
        }

        if (firstMissing is not null)
        {
            throw new FileNotFoundException(
                $"Mnist.Load: {missing.Count} of the 4 MNIST files {(missing.Count == 1 ? "is" : "are")} missing from '{full}':{Environment.NewLine}"
                + string.Join(Environment.NewLine, missing) + Environment.NewLine + MnistFiles.ManualSteps(full),
                firstMissing);
        }

        // The two splits are independent; decompressing them side by side shortens the wait.
        Task<MnistSplit> train = Task.Run(() => MnistSplit.Load("train", paths[0], paths[1]));
        MnistSplit test;
        try
        {
            test = MnistSplit.Load("test", paths[2], paths[3]);
        }
        catch
        {
            // Report the test split's error, but not before the training split's work has stopped.
            Task.WaitAny(train);
            _ = train.Exception;
            throw;
        }

        return new Mnist(full, train.GetAwaiter().GetResult(), test);
    }

    /// <summary>Describes the data set by its folder and split sizes.</summary>
    /// <returns>For example <c>Mnist(/data/mnist: train 60000, test 10000)</c>.</returns>
    public override string ToString() => $"Mnist({DirectoryPath}: train {Train.Count}, test {Test.Count})";
}
