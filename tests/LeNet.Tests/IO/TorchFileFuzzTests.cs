using System.Diagnostics;
using System.IO.Compression;
using LeNet.IO;
using Xunit.Abstractions;
using static LeNet.Tests.IO.TorchBytes;

namespace LeNet.Tests.IO;

/// <summary>
/// A randomized run over mutated and truncated torch.save files (fixed seed): whatever the bytes, the reader
/// either succeeds or throws <see cref="InvalidDataException"/>: never another exception, a hang or a crash.
/// </summary>
public class TorchFileFuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 100_000;

    /// <summary>Opcodes the mutator inserts: every one the reader knows, plus a few it refuses.</summary>
    private static readonly byte[] Opcodes = [.. "().NJKMGXTUBCtl]a}dsueqrhjgpcibRQ012I LF"u8.ToArray(), 0x80, 0x81, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x93, 0x94, 0x95, 0x96, 0x97, 0xff];

    [Fact]
    public void Read_100kMutatedFiles_OnlySucceedOrThrowInvalidData()
    {
        // Seeds: real PyTorch files of both formats (views, dtypes, BatchNorm, a pickled class), our writer's
        // file, and small hand-made ones, so most mutations land in the pickle rather than in float data.
        var zips = new List<(byte[] Pickle, byte[][] Storages)>
        {
            (OneTensor(5, 1, [2, 2], [2, 1]), [Floats(0, 1, 2, 3, 4)]),
            (TensorPickle("a", "LongStorage", "0", 2, 0, [2], [1]), [[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]]),
            (TensorPickle("h", "HalfStorage", "0", 4, 0, [2, 2], [1, 2]), [[0, 0x3c, 0, 0x40, 0, 0x42, 0, 0x44]]),
        };
        foreach (string name in new[] { "views.pt", "dtypes.pt", "batchnorm.pt", "evil_system.pt", "written_by_lenet.pt" })
        {
            zips.Add(Unzip(File.ReadAllBytes(TorchFixtures.File(name))));
        }

        var files = new List<byte[]> { File.ReadAllBytes(TorchFixtures.File("views_legacy.pt")), File.ReadAllBytes(TorchFixtures.File("evil_system_legacy.pt")) };
        files.AddRange(zips.Select(z => TorchZip(z.Pickle, z.Storages)));
        files.Add(Legacy(TensorPickle("w", "DoubleStorage", "k", 3, 1, [2], [1], legacy: true), ["k"], (3, new byte[24])));

        var random = new Random(20261203);
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var kinds = new[] { "byte flips", "truncation", "inserted opcodes", "pickle mutation", "zip header mutation" };
        var perKind = new int[kinds.Length];
        var watch = Stopwatch.StartNew();
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            int kind = iteration % kinds.Length;
            perKind[kind]++;
            byte[] file = kind switch
            {
                0 => Flip(files[random.Next(files.Count)], random),
                1 => Truncate(files[random.Next(files.Count)], random),
                2 => Insert(files[random.Next(2)], random), // the legacy files: the pickles are the file
                3 => MutatePickle(zips[random.Next(zips.Count)], random),
                _ => MutateZipHeaders(files[2 + random.Next(zips.Count)], random),
            };
            string outcome;
            try
            {
                TorchFile.Read(new MemoryStream(file));
                outcome = "success";
            }
            catch (InvalidDataException e)
            {
                outcome = "InvalidDataException: " + Category(e.Message);
            }
            catch (Exception e)
            {
                File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "lenet-torch-fuzz-failure.pt"), file);
                throw new Xunit.Sdk.XunitException($"iteration {iteration} ({kinds[kind]}): {e.GetType().Name}: {e.Message} (file saved to the temp folder as lenet-torch-fuzz-failure.pt)\n{e}");
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        watch.Stop();
        output.WriteLine($"{Iterations} files in {watch.Elapsed.TotalSeconds:F1} s ({string.Join(", ", kinds.Select((k, i) => $"{perKind[i]} {k}"))})");
        foreach ((string outcome, int count) in outcomes.OrderByDescending(o => o.Value))
        {
            output.WriteLine($"{count,7}  {outcome}");
        }

        outcomes.Values.Sum().Should().Be(Iterations);
        outcomes.Keys.Should().Contain("success", "some mutations (in float data) leave a valid file");
    }

    /// <summary>The message without its specifics (numbers, names), to group outcomes.</summary>
    private static string Category(string message)
    {
        int colon = message.IndexOf(": ", StringComparison.Ordinal);
        string problem = colon >= 0 ? message[(colon + 2)..] : message;
        problem = System.Text.RegularExpressions.Regex.Replace(problem, @"'[^']*'", "'…'");
        problem = System.Text.RegularExpressions.Regex.Replace(problem, @"\(pickle byte \d+\)", "");
        return System.Text.RegularExpressions.Regex.Replace(problem, @"-?\d+", "N");
    }

    private static byte[] OneTensor(long numel, long offset, long[] size, long[] stride) => TensorPickle("w", "FloatStorage", "0", numel, offset, size, stride);

    private static (byte[] Pickle, byte[][] Storages) Unzip(byte[] file)
    {
        using var zip = new ZipArchive(new MemoryStream(file));
        byte[] Bytes(ZipArchiveEntry entry)
        {
            using var stream = new MemoryStream();
            entry.Open().CopyTo(stream);
            return stream.ToArray();
        }

        ZipArchiveEntry pickle = zip.Entries.Single(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal));
        var storages = zip.Entries.Where(e => e.FullName.Contains("/data/", StringComparison.Ordinal))
            .OrderBy(e => int.Parse(e.FullName[(e.FullName.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .Select(Bytes).ToArray();
        // TorchZip names storages data/0, data/1, … in order, as these files (written by torch.save and by us) do.
        return (Bytes(pickle), storages);
    }

    private static byte[] Flip(byte[] source, Random random)
    {
        byte[] file = (byte[])source.Clone();
        int flips = 1 + random.Next(8);
        for (int i = 0; i < flips; i++)
        {
            file[random.Next(file.Length)] = (byte)random.Next(256);
        }

        return file;
    }

    private static byte[] Truncate(byte[] source, Random random) => source[..random.Next(source.Length)];

    private static byte[] Insert(byte[] source, Random random)
    {
        int at = random.Next(source.Length);
        int count = 1 + random.Next(4);
        byte[] inserted = new byte[count];
        for (int i = 0; i < count; i++)
        {
            inserted[i] = random.Next(3) == 0 ? (byte)random.Next(256) : Opcodes[random.Next(Opcodes.Length)];
        }

        return [.. source.AsSpan(0, at), .. inserted, .. source.AsSpan(at)];
    }

    /// <summary>A mutation inside data.pkl (flip, delete, duplicate or insert opcodes), then a well-formed archive around it.</summary>
    private static byte[] MutatePickle((byte[] Pickle, byte[][] Storages) seed, Random random)
    {
        byte[] pickle = seed.Pickle;
        int at = random.Next(pickle.Length);
        pickle = random.Next(4) switch
        {
            0 => Flip(pickle, random),
            1 => [.. pickle.AsSpan(0, at), .. pickle.AsSpan(Math.Min(pickle.Length, at + 1 + random.Next(8)))],
            2 => [.. pickle.AsSpan(0, at), .. pickle.AsSpan(at, Math.Min(16, pickle.Length - at)), .. pickle.AsSpan(at)],
            _ => Insert(pickle, random),
        };
        byte[][] storages = seed.Storages;
        if (random.Next(8) == 0 && storages.Length > 0)
        {
            // A storage of the wrong size.
            storages = [.. storages];
            int s = random.Next(storages.Length);
            storages[s] = storages[s][..random.Next(storages[s].Length + 1)];
        }

        return TorchZip(pickle, storages);
    }

    /// <summary>Flips bytes in the zip structure: the local headers' and the central directory's fields.</summary>
    private static byte[] MutateZipHeaders(byte[] source, Random random)
    {
        byte[] file = (byte[])source.Clone();
        // The central directory and end record sit in the last part of the file; the first local header at 0.
        int tail = Math.Min(file.Length, 64 + (80 * 10));
        int flips = 1 + random.Next(4);
        for (int i = 0; i < flips; i++)
        {
            int at = random.Next(2) == 0 ? file.Length - 1 - random.Next(tail) : random.Next(Math.Min(64, file.Length));
            file[at] = random.Next(3) switch
            {
                0 => 0xff,
                1 => 0,
                _ => (byte)random.Next(256),
            };
        }

        return file;
    }
}
