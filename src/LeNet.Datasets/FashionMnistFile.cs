namespace LeNet.Data;

/// <summary>
/// One of the four gzip IDX files of Fashion-MNIST: its name, the size and SHA-256 of the official
/// <c>.gz</c> file, and the size and SHA-256 of the IDX bytes inside it.
/// </summary>
/// <remarks>
/// Files are verified by their decompressed content, which is what identifies the data set: Debian's
/// <c>dataset-fashion-mnist</c> package ships the same IDX bytes recompressed (its <c>.gz</c> files are 24
/// bytes shorter: no file name in the gzip header), so its archives have other sums than the official
/// ones while their contents are identical.
/// </remarks>
/// <param name="Name">The file name, e.g. <c>train-images-idx3-ubyte.gz</c>.</param>
/// <param name="CompressedSize">The size in bytes of the official <c>.gz</c> file.</param>
/// <param name="CompressedSha256">The SHA-256 of the official <c>.gz</c> file, lowercase hexadecimal.</param>
/// <param name="Size">The size in bytes of the decompressed IDX file.</param>
/// <param name="Sha256">The SHA-256 of the decompressed IDX file, lowercase hexadecimal.</param>
internal sealed record FashionMnistFile(string Name, long CompressedSize, string CompressedSha256, long Size, string Sha256)
{
    /// <summary>
    /// The four files of zalandoresearch/fashion-mnist (<c>data/fashion/</c>). The official archives'
    /// sizes and SHA-256 sums are those recorded for them by torchvision and TensorFlow Datasets (Zalando's
    /// README publishes their MD5s: 8d4fb7e6…, 25c81989…, bef4ecab…, bb300cfd…); the content sums were
    /// measured on Debian's copies and agree with those published for the decompressed official files.
    /// </summary>
    public static readonly FashionMnistFile[] All =
    [
        new(MnistFiles.TrainImages + ".gz", 26_421_880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            47_040_016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        new(MnistFiles.TrainLabels + ".gz", 29_515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            60_008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        new(MnistFiles.TestImages + ".gz", 4_422_102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            7_840_016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        new(MnistFiles.TestLabels + ".gz", 5_148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
            10_008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    ];
}
