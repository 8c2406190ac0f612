using System.Buffers.Binary;
using System.Text;
using LeNet.IO;
using Xunit.Abstractions;

namespace LeNet.Tests.IO;

/// <summary>The reader treats a file as hostile: every malformation is an InvalidDataException naming the problem and the key.</summary>
public class SafeTensorsHardeningTests(ITestOutputHelper output)
{
    private const string Valid = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    private static readonly byte[] TwoFloats = SafeTensorsBytes.F32(1f, 2f);

    public static TheoryData<string, string, byte[], string> Malformed => new()
    {
        // case name, header JSON, data, expected message pattern
        { "invalid JSON", """{"w":{"dtype":"F32",""", TwoFloats, "*not valid JSON*" },
        { "header not an object", """[1, 2]""", TwoFloats, "*header is a JSON array, expected an object*" },
        { "header a string", "\"w\"", TwoFloats, "*header is a JSON string, expected an object*" },
        { "duplicate keys", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", TwoFloats, "*duplicate key 'w'*" },
        { "duplicate metadata keys", """{"__metadata__":{"a":"1","a":"2"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*duplicate key 'a' in '__metadata__'*" },
        { "duplicate field", """{"w":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': duplicate field 'shape'*" },
        { "metadata not strings", """{"__metadata__":{"epochs":3},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*'__metadata__' entry 'epochs' is a JSON number, expected a string*" },
        { "metadata not an object", """{"__metadata__":"pt","w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*'__metadata__' is a JSON string*" },
        { "entry not an object", """{"w":[0,8]}""", TwoFloats, "*tensor 'w': entry is a JSON array*" },
        { "missing dtype", """{"w":{"shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': missing field 'dtype'*" },
        { "missing shape", """{"w":{"dtype":"F32","data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': missing field 'shape'*" },
        { "missing offsets", """{"w":{"dtype":"F32","shape":[2]}}""", TwoFloats, "*tensor 'w': missing field 'data_offsets'*" },
        { "unsupported dtype", """{"w":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w' has dtype 'U64'*cannot load*F32*" },
        { "unknown dtype", """{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w' has dtype 'F33'*" },
        { "offsets out of range", """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", TwoFloats, "*tensor 'w': data_offsets [0, 16] are out of range: the data buffer has 8 bytes*" },
        { "offsets overlapping", """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", TwoFloats, "*tensor 'b': data_offsets [4, 8] overlap tensor 'a' [0, 8]*" },
        { "offsets with a hole", """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", TwoFloats, "*tensor 'a': a hole of 4 bytes [0, 4)*" },
        { "offsets not matching dtype x shape", """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': data_offsets [0, 8] span 8 bytes, but dtype F32 × shape [3] needs 12*" },
        { "offsets not matching F16", """{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w':*needs 4*" },
        { "offsets reversed", """{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", TwoFloats, "*tensor 'w': data_offsets [8, 0] end before they begin*" },
        { "offsets negative", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", TwoFloats, "*tensor 'w': data_offsets [-8, 0] are negative*" },
        { "offsets three numbers", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}""", TwoFloats, "*tensor 'w': data_offsets has 3 numbers, expected 2*" },
        { "offsets huge", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,99999999999999999999]}}""", TwoFloats, "*tensor 'w': data_offsets*not two integers in range*" },
        { "negative dimension", """{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': dimension 0 of the shape is negative (-2)*" },
        { "fractional dimension", """{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': dimension 0 of the shape (2.5) is not an integer*" },
        { "dimension overflowing long", """{"w":{"dtype":"F32","shape":[1,99999999999999999999],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': dimension 1 of the shape (99999999999999999999) is not an integer or overflows*" },
        { "dimension overflowing int", """{"w":{"dtype":"F32","shape":[4294967296],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': dimension 0 of the shape (4294967296) overflows a 32-bit size*" },
        { "element count overflowing", """{"w":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': shape [65536, 65536, 65536, 65536] has more elements than a tensor can hold*" },
        { "dimension a string", """{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}""", TwoFloats, "*tensor 'w': dimension 0 of the shape is a JSON string*" },
        { "trailing garbage", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", TwoFloats, "*trailing garbage: 4 bytes follow the last tensor 'w'*" },
        { "no tensor but data", """{}""", TwoFloats, "*trailing garbage: 8 bytes follow a header that lists no tensor*" },
        { "lone surrogate escape", """{"\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", TwoFloats, "*not valid text*" },
        { "too deep", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":[[[[[[[[[[1]]]]]]]]]]}}""", TwoFloats, "*not valid JSON*" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_MalformedHeader_ThrowsInvalidDataNamingTheProblem(string name, string header, byte[] data, string message)
    {
        byte[] file = SafeTensorsBytes.Build(header, data);

        Action act = () => SafeTensors.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>(name).WithMessage(message);
    }

    [Fact]
    public void Read_ValidBaseline_Succeeds()
    {
        // The cases above are each one change away from this file.
        SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build(Valid, TwoFloats)))["w"].ToArray().Should().Equal(1f, 2f);
    }

    [Fact]
    public void Read_ShorterThanTheLengthField_Throws()
    {
        Action act = () => SafeTensors.Read(new MemoryStream([1, 2, 3]));

        act.Should().Throw<InvalidDataException>().WithMessage("*the file has 3 bytes, fewer than the 8-byte header length*");
    }

    [Fact]
    public void Read_HeaderLengthAbove100MB_ThrowsBeforeAllocating()
    {
        byte[] file = SafeTensorsBytes.Build(Valid, TwoFloats, declaredLength: 100_000_001);

        Action act = () => SafeTensors.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*header length 100000001 is above the 100 MB limit*");
    }

    [Fact]
    public void Read_HeaderLengthBeyondTheFile_Throws()
    {
        byte[] file = SafeTensorsBytes.Build(Valid, TwoFloats, declaredLength: 5000);

        Action act = () => SafeTensors.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage($"*header length 5000 exceeds the file: only {file.Length - 8} bytes follow*");
    }

    [Fact]
    public void Read_HeaderLengthHuge_ThrowsWithoutAllocatingIt()
    {
        byte[] file = SafeTensorsBytes.Build(Valid, TwoFloats, declaredLength: ulong.MaxValue);
        long before = GC.GetAllocatedBytesForCurrentThread();

        Action act = () => SafeTensors.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*header length 18446744073709551615 is above the 100 MB limit*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1_000_000);
    }

    [Fact]
    public void Read_TensorClaimingMoreThanTheFile_ThrowsWithoutAllocatingIt()
    {
        // 400 MB claimed by the header, 8 bytes present: the claim is refused before any array is made.
        byte[] file = SafeTensorsBytes.Build("""{"w":{"dtype":"F32","shape":[100000000],"data_offsets":[0,400000000]}}""", TwoFloats);
        long before = GC.GetAllocatedBytesForCurrentThread();

        Action act = () => SafeTensors.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*tensor 'w': data_offsets [0, 400000000] are out of range: the data buffer has 8 bytes*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1_000_000);
    }

    [Fact]
    public void Read_HeaderNotUtf8_Throws()
    {
        byte[] json = Encoding.UTF8.GetBytes(Valid);
        json[3] = 0xFF;

        Action act = () => SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build(json, TwoFloats)));

        act.Should().Throw<InvalidDataException>().WithMessage("*header is not valid UTF-8*");
    }

    [Fact]
    public void Read_FromPath_NamesTheFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("broken.safetensors");
        File.WriteAllBytes(path, SafeTensorsBytes.Build("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", TwoFloats));

        Action act = () => SafeTensors.Read(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"Invalid safetensors file '{path}': tensor 'w':*");
    }

    /// <summary>
    /// 10,000 random corruptions of a valid file (fixed seed): byte and bit flips, truncation, insertion,
    /// deletion, a rewritten length field, edits inside the JSON. Only InvalidDataException (or success)
    /// may come out: no other exception, no hang, no huge allocation.
    /// </summary>
    [Fact]
    public void Read_10000RandomMutations_OnlyInvalidDataOrSuccess()
    {
        byte[] valid = ValidFileWithEveryDType();
        SafeTensors.Read(new MemoryStream(valid)).Count.Should().Be(4);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var random = new Random(20240601);
        int rejected = 0, accepted = 0;
        var failures = new List<string>();

        for (int iteration = 0; iteration < 10_000; iteration++)
        {
            byte[] file = valid;
            int edits = random.Next(1, 4);
            var done = new List<string>();
            for (int e = 0; e < edits; e++)
            {
                (file, string what) = Mutate(file, headerEnd, random);
                done.Add(what);
            }

            try
            {
                SafeTensors.Read(new MemoryStream(file));
                accepted++;
            }
            catch (InvalidDataException)
            {
                rejected++;
            }
            catch (Exception ex)
            {
                failures.Add($"iteration {iteration} ({string.Join(", ", done)}): {ex.GetType().Name}: {ex.Message}");
            }
        }

        output.WriteLine($"{rejected} rejected, {accepted} accepted, {failures.Count} other exceptions");
        failures.Should().BeEmpty();
        rejected.Should().BeGreaterThan(1000, "most corruptions of the header must be caught");
        accepted.Should().BeGreaterThan(100, "corruptions of the data alone are still valid files");
    }

    private static byte[] ValidFileWithEveryDType()
    {
        string json = """{"__metadata__":{"format":"pt"},"0.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"0.bias":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"1.weight":{"dtype":"BF16","shape":[1,2],"data_offsets":[28,32]},"1.bias":{"dtype":"F64","shape":[],"data_offsets":[32,40]}}""";
        byte[] data = SafeTensorsBytes.Concat(
            SafeTensorsBytes.F32(1, 2, 3, 4, 5, 6),
            SafeTensorsBytes.U16(0x3C00, 0x4000),
            SafeTensorsBytes.U16(0x3F80, 0x4000),
            SafeTensorsBytes.F64(0.5));
        return SafeTensorsBytes.Build(json, data);
    }

    private static (byte[] File, string What) Mutate(byte[] file, int headerEnd, Random random)
    {
        var bytes = new List<byte>(file);
        // Most edits land in the length field and the header, where the parsing happens.
        int Position(bool allowEnd = false) =>
            bytes.Count == 0 ? 0 : random.Next(4) != 0 ? random.Next(Math.Min(headerEnd, bytes.Count + (allowEnd ? 1 : 0))) : random.Next(bytes.Count + (allowEnd ? 1 : 0));
        const string JsonChars = "{}[]\",:0123456789-.eE \\u_aFBI";
        switch (random.Next(8))
        {
            case 0 when bytes.Count > 0:
                int at = Position();
                bytes[at] = (byte)random.Next(256);
                return (bytes.ToArray(), $"byte {at} set");
            case 1 when bytes.Count > 0:
                int bit = Position();
                bytes[bit] ^= (byte)(1 << random.Next(8));
                return (bytes.ToArray(), $"bit flipped at {bit}");
            case 2:
                int length = random.Next(bytes.Count + 1);
                return (bytes.Take(length).ToArray(), $"truncated to {length}");
            case 3:
                int insertAt = Position(allowEnd: true);
                bytes.InsertRange(insertAt, Enumerable.Range(0, random.Next(1, 9)).Select(_ => (byte)JsonChars[random.Next(JsonChars.Length)]));
                return (bytes.ToArray(), $"inserted at {insertAt}");
            case 4 when bytes.Count > 0:
                int from = Position();
                int count = Math.Min(random.Next(1, 9), bytes.Count - from);
                bytes.RemoveRange(from, count);
                return (bytes.ToArray(), $"deleted {count} at {from}");
            case 5 when bytes.Count >= 8:
                ulong declared = random.Next(3) switch
                {
                    0 => (ulong)random.Next(0, bytes.Count + 16),
                    1 => (ulong)random.NextInt64(),
                    _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes.ToArray()) + (ulong)random.Next(-3, 4),
                };
                byte[] array = bytes.ToArray();
                BinaryPrimitives.WriteUInt64LittleEndian(array, declared);
                return (array, $"length field set to {declared}");
            case 6 when bytes.Count > 8:
                int replaceAt = 8 + random.Next(Math.Min(headerEnd, bytes.Count) - 8);
                bytes[replaceAt] = (byte)JsonChars[random.Next(JsonChars.Length)];
                return (bytes.ToArray(), $"JSON char replaced at {replaceAt}");
            default:
                int source = random.Next(bytes.Count + 1);
                int span = Math.Min(random.Next(1, 32), bytes.Count - source);
                bytes.InsertRange(Position(allowEnd: true), bytes.GetRange(source, span));
                return (bytes.ToArray(), $"copied {span} bytes from {source}");
        }
    }
}
