using System.Diagnostics;
using LeNet.IO;
using Xunit.Abstractions;

namespace LeNet.OnnxTests;

/// <summary>Hostile input: mutated and truncated copies of a real PyTorch export import or fail cleanly.</summary>
public class OnnxImportFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Import_100000MutatedAndTruncatedFiles_OnlyInvalidDataNotSupportedOrSuccess()
    {
        // modern_small_opset13: Conv, Relu, MaxPool, the Shape → Gather → Unsqueeze → Concat → Reshape chain, Gemm.
        byte[] original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "modern_small_opset13.onnx"));
        var random = new Random(20261203);
        int[] outcomes = new int[3];
        long maxAllocated = 0;
        var watch = Stopwatch.StartNew();
        for (int iteration = 0; iteration < 100_000; iteration++)
        {
            byte[] bytes = Mutate(original, random);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxImporter.Import(new MemoryStream(bytes, writable: false));
                outcomes[0]++;
            }
            catch (InvalidDataException)
            {
                outcomes[1]++;
            }
            catch (NotSupportedException)
            {
                outcomes[2]++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"mutation {iteration} ({bytes.Length} bytes) threw {e.GetType().Name}: {e}");
            }

            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        output.WriteLine($"100,000 files in {watch.Elapsed.TotalSeconds:F1} s: {outcomes[0]} imported, {outcomes[1]} InvalidDataException, {outcomes[2]} NotSupportedException; at most {maxAllocated / 1024} KiB allocated per file of {original.Length / 1024} KiB");
        (outcomes[1] + outcomes[2]).Should().BeGreaterThan(50_000, "most mutations break the file");
        outcomes[0].Should().BeGreaterThan(0, "mutations of weight bytes keep the file valid");
        // The importer copies the file's tensors into layers and parses its messages: a small multiple of its size.
        maxAllocated.Should().BeLessThan(64L * original.Length);
    }

    [Fact]
    public void ImportGraph_100000MutatedAndTruncatedFiles_OnlyInvalidDataNotSupportedOrSuccess()
    {
        // shufflenet_v2_opset11 (PyTorch 1.13.1): fan-out, Concat, Split-as-Slice, the channel shuffle's Reshape/Transpose
        // with its Shape → Gather → Unsqueeze → Concat / Div / Cast arithmetic, ReduceMean, Gemm; the graph importer's path.
        byte[] original = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "graphs", "shufflenet_v2_opset11.onnx"));
        int structure = StructureLength(original);
        var random = new Random(20261207);
        int[] outcomes = new int[3];
        long maxAllocated = 0;
        var watch = Stopwatch.StartNew();
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            byte[] bytes = Mutate(original, random, structure);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxImporter.Import(new MemoryStream(bytes, writable: false));
                outcomes[0]++;
            }
            catch (InvalidDataException)
            {
                outcomes[1]++;
            }
            catch (NotSupportedException)
            {
                outcomes[2]++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"mutation {iteration} ({bytes.Length} bytes) threw {e.GetType().Name}: {e}");
            }

            maxAllocated = Math.Max(maxAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        output.WriteLine($"{Iterations:N0} graph files in {watch.Elapsed.TotalSeconds:F1} s: {outcomes[0]} imported, {outcomes[1]} InvalidDataException, {outcomes[2]} NotSupportedException; at most {maxAllocated / 1024} KiB allocated per file of {original.Length / 1024} KiB");
        (outcomes[1] + outcomes[2]).Should().BeGreaterThan(Iterations / 4, "many mutations break the file");
        outcomes[0].Should().BeGreaterThan(0, "mutations of weight bytes keep the file valid");
        // Parsing, the weights copied into layers, and the import's shape pass over batch-1 activations ([3, 32, 32] in).
        maxAllocated.Should().BeLessThan(64L * original.Length);
    }

    /// <summary>The graph importer's fuzz count; LENET_FUZZ_ITERATIONS overrides it for a quick local run.</summary>
    private static int Iterations => int.TryParse(Environment.GetEnvironmentVariable("LENET_FUZZ_ITERATIONS"), out int n) ? n : 100_000;

    /// <summary>Where the graph's nodes end: the offset of the first initializer's raw bytes is a fair bound (PyTorch writes nodes first).</summary>
    private static int StructureLength(byte[] model)
    {
        var proto = Onnx.ModelProto.Parser.ParseFrom(model);
        return Math.Min(model.Length, proto.Graph.Node.Sum(n => n.CalculateSize() + 3) + 64);
    }

    private static byte[] Mutate(byte[] original, Random random, int structure = 1500)
    {
        byte[] bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 1: // flip a few bits
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 2: // random bytes in a few places
                for (int i = random.Next(1, 8); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 3: // a huge varint (a length or a dim) somewhere
                {
                    int at = random.Next(bytes.Length - 5);
                    bytes[at] = 0xFF;
                    bytes[at + 1] = 0xFF;
                    bytes[at + 2] = 0xFF;
                    bytes[at + 3] = 0xFF;
                    bytes[at + 4] = (byte)random.Next(0x10);
                    return bytes;
                }

            case 4: // mutate the structure part (the graph's nodes come first; weights take most of the file)
                for (int i = random.Next(1, 4); i > 0; i--)
                {
                    bytes[random.Next(Math.Min(bytes.Length, structure))] = (byte)random.Next(256);
                }

                return bytes;
            default: // duplicate or cut a slice
                {
                    int start = random.Next(bytes.Length), length = random.Next(1, 64);
                    length = Math.Min(length, bytes.Length - start);
                    return random.Next(2) == 0
                        ? [.. bytes[..start], .. bytes.AsSpan(start, length), .. bytes[start..]]
                        : [.. bytes[..start], .. bytes[(start + length)..]];
                }
        }
    }
}
