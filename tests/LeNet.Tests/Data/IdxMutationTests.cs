using System.Diagnostics;
using LeNet.Data;

namespace LeNet.Tests.Data;

/// <summary>
/// Random damage to valid IDX files, plain and gzip-compressed: every result is either a well-formed
/// array or an <see cref="InvalidDataException"/>, never another exception, never a hang.
/// </summary>
public class IdxMutationTests
{
    private const int Mutations = 10_000;

    private static readonly byte[] Values = Enumerable.Range(0, 60).Select(i => (byte)(i * 7)).ToArray();

    /// <summary>Small valid files of several types and ranks.</summary>
    private static readonly byte[][] Seeds =
    [
        IdxReaderTests.Idx(0x08, [3, 4, 5], Values),
        IdxReaderTests.Idx(0x0C, [3, 5], Values),
        IdxReaderTests.Idx(0x0E, [1, 1, 1, 2], Values[..16]),
        IdxReaderTests.Idx(0x08, [7], Values[..7]),
    ];

    [Fact]
    public void Read_MutatedPlainFiles_OnlyEverThrowInvalidData()
    {
        var random = new Random(20240605);

        (int valid, int invalid) = Run(random, compress: false);

        // The mutations must exercise both outcomes, or the test proves little.
        valid.Should().BeGreaterThan(100);
        invalid.Should().BeGreaterThan(Mutations / 2);
    }

    [Fact]
    public void Read_MutatedGzipFiles_OnlyEverThrowInvalidData()
    {
        var random = new Random(31337);

        (int valid, int invalid) = Run(random, compress: true);

        valid.Should().BeGreaterThan(100);
        invalid.Should().BeGreaterThan(Mutations / 2);
    }

    private static (int Valid, int Invalid) Run(Random random, bool compress)
    {
        int valid = 0, invalid = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Mutations; i++)
        {
            byte[] seed = Seeds[random.Next(Seeds.Length)];
            byte[] file = Mutate(random, compress ? TestStreams.Gzip(seed) : seed);
            Stream stream = (i % 2 == 0) ? new MemoryStream(file) : TestStreams.NonSeekable(file);
            try
            {
                IdxArray idx = IdxReader.Read(stream, "mutant");
                long product = 1;
                foreach (int d in idx.Shape)
                {
                    product *= d;
                }

                product.Should().Be(idx.Length, "mutation {0} gave a shape that does not match its data", i);
                valid++;
            }
            catch (InvalidDataException e)
            {
                e.Message.Should().StartWith("mutant: ");
                invalid++;
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"Mutation {i} ({Convert.ToHexString(file)}) threw {e.GetType().Name}, not InvalidDataException: {e.Message}", e);
            }
            finally
            {
                stream.Dispose();
            }
        }

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "no mutation may make the reader loop");
        return (valid, invalid);
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    // Header bytes with values that hit the checks' edges.
                    int header = Math.Min(bytes.Count, 16);
                    if (header > 0)
                    {
                        byte[] edges = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x08, 0x0D, 0x20, 0x21];
                        bytes[random.Next(header)] = edges[random.Next(edges.Length)];
                    }

                    break;
                case 3:
                    // Truncate.
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    bytes.AddRange(Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 5:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                default:
                    if (bytes.Count > 0)
                    {
                        bytes.RemoveAt(at);
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
