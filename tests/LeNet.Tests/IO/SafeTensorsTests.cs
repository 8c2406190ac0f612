using System.Buffers.Binary;
using System.Text;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;

namespace LeNet.Tests.IO;

public class SafeTensorsTests
{
    [Fact]
    public void Write_TwoTensors_GivesTheSpecsExactBytes()
    {
        var tensors = new OrderedDictionary<string, Tensor>
        {
            ["a"] = Tensor.FromArray([1f, -2f], 2),
            ["b"] = Tensor.FromArray([0.5f], 1, 1),
        };
        using var stream = new MemoryStream();

        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        // Written by hand from the format: u64 LE header length, JSON, spaces to a multiple of 8, data.
        string json = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}""";
        string padded = json + new string(' ', (8 - (json.Length % 8)) % 8);
        byte[] expected = SafeTensorsBytes.Build(padded, SafeTensorsBytes.F32(1f, -2f, 0.5f));
        stream.ToArray().Should().Equal(expected);
        padded.Length.Should().NotBe(json.Length, "this case exercises the padding");
    }

    [Fact]
    public void Write_ThenRead_IsBitIdenticalIncludingSpecialValues()
    {
        var random = new Random(42);
        float[] special = [float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), -0f, float.Epsilon, float.MaxValue, float.NegativeInfinity];
        var tensors = new OrderedDictionary<string, Tensor>
        {
            ["conv.weight"] = Arrays.Random(random, 3, 2, 5, 5),
            ["special"] = Tensor.FromArray(special, 2, 3),
            ["scalar"] = Tensor.FromArray([3.25f]),
            ["empty"] = new Tensor(0, 4),
        };
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors);
        stream.Position = 0;

        SafeTensorsFile file = SafeTensors.Read(stream);

        file.Keys.Should().Equal("conv.weight", "special", "scalar", "empty");
        file.Metadata.Should().BeEmpty();
        foreach ((string name, Tensor expected) in tensors)
        {
            file[name].Shape.ToArray().Should().Equal(expected.Shape.ToArray(), name);
            file[name].ToArray().Select(BitConverter.SingleToInt32Bits).Should().Equal(expected.ToArray().Select(BitConverter.SingleToInt32Bits), name);
        }
    }

    [Fact]
    public void Write_HeaderIsPaddedToMultipleOf8AndOrderedAsTheDictionary()
    {
        var tensors = new OrderedDictionary<string, Tensor> { ["z"] = new Tensor(3), ["a"] = new Tensor(1), ["m.weight"] = new Tensor(2, 2) };
        using var stream = new MemoryStream();

        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["note"] = "héllo" });

        byte[] bytes = stream.ToArray();
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        (headerLength % 8).Should().Be(0);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        header.Should().StartWith("{");
        header.IndexOf("\"z\"", StringComparison.Ordinal).Should().BeLessThan(header.IndexOf("\"a\"", StringComparison.Ordinal));
        header.IndexOf("\"a\"", StringComparison.Ordinal).Should().BeLessThan(header.IndexOf("\"m.weight\"", StringComparison.Ordinal));
        bytes.Length.Should().Be(8 + (int)headerLength + ((3 + 1 + 4) * 4));
        stream.Position = 0;
        SafeTensors.Read(stream).Metadata.Should().Equal(new Dictionary<string, string> { ["note"] = "héllo" });
    }

    [Fact]
    public void Read_HalfBFloatAndDouble_ConvertToFloat32()
    {
        // Expected values from the formats' definitions: F16 0x3C00 = 1, 0xC000 = −2, 0x7BFF = 65504,
        // 0x0001 = 2^−24, 0x3555 = 0.333251953125; BF16 is a float32's top 16 bits.
        string json = """{"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[10,18]},"d":{"dtype":"F64","shape":[3],"data_offsets":[18,42]}}""";
        byte[] data = SafeTensorsBytes.Concat(
            SafeTensorsBytes.U16(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555),
            SafeTensorsBytes.U16(0x3F80, 0xC0A0, 0x4049, 0x7F80),
            SafeTensorsBytes.F64(0.1, -1.5, 1e300));

        SafeTensorsFile file = SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build(json, data)));

        file["h"].ToArray().Should().Equal(1f, -2f, 65504f, MathF.Pow(2, -24), 0.333251953125f);
        file["b"].Shape.ToArray().Should().Equal(2, 2);
        file["b"].ToArray().Should().Equal(1f, -5f, 3.140625f, float.PositiveInfinity);
        file["d"].ToArray().Should().Equal(0.1f, -1.5f, float.PositiveInfinity);
    }

    [Fact]
    public void Read_UnpaddedHeaderInAnyOrder_IsAccepted()
    {
        // Other writers (TorchSharp.PyBridge) neither pad the header nor order the entries by offset.
        string json = """{"second":{"data_offsets":[4,8],"shape":[1],"dtype":"F32"},"first":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""";
        (Encoding.UTF8.GetByteCount(json) % 8).Should().NotBe(0);

        SafeTensorsFile file = SafeTensors.Read(new MemoryStream(SafeTensorsBytes.Build(json, SafeTensorsBytes.F32(7f, 9f))));

        file.Keys.Should().Equal("second", "first");
        file["first"].Rank.Should().Be(0);
        file["first"].ToArray().Should().Equal(7f);
        file["second"].ToArray().Should().Equal(9f);
    }

    [Fact]
    public void Read_NonSeekableStream_ReadsToTheEnd()
    {
        byte[] bytes = SafeTensorsBytes.Build("""{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", SafeTensorsBytes.F32(1f, 2f));
        using var stream = new NonSeekableStream(bytes);

        SafeTensors.Read(stream)["x"].ToArray().Should().Equal(1f, 2f);
    }

    [Fact]
    public void Read_StreamAtAnOffset_StartsAtItsPosition()
    {
        byte[] file = SafeTensorsBytes.Build("""{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", SafeTensorsBytes.F32(5f));
        using var stream = new MemoryStream([0xAA, 0xBB, .. file]);
        stream.Position = 2;

        SafeTensors.Read(stream)["x"].ToArray().Should().Equal(5f);
    }

    [Fact]
    public void SaveThenLoad_Seed7IntoSeed8_GivesBitIdenticalOutputs()
    {
        using var dir = new TempDirectory();
        Sequential source = LeNetFactory.Create(7);
        Sequential target = LeNetFactory.Create(8);
        Tensor x = Arrays.Random(new Random(3), 4, 1, 28, 28);
        target.Forward(x).ToArray().Should().NotEqual(source.Forward(x).ToArray());

        source.Save(dir.File("lenet.safetensors"));
        target.Load(dir.File("lenet.safetensors"));

        target.Forward(x).ToArray().Should().Equal(source.Forward(x).ToArray());
    }

    [Fact]
    public void Save_WritesTorchNamesShapesAndFormatPt()
    {
        using var dir = new TempDirectory();

        LeNetFactory.Create(1).Save(dir.File("lenet.safetensors"));

        SafeTensorsFile file = SafeTensors.Read(dir.File("lenet.safetensors"));
        file.Metadata.Should().Equal(new Dictionary<string, string> { ["format"] = "pt" });
        file.Select(kv => $"{kv.Key} {Tensor.FormatShape(kv.Value.Shape)}").Should().Equal(
            "0.weight [6, 1, 5, 5]", "0.bias [6]", "3.weight [16, 6, 5, 5]", "3.bias [16]",
            "7.weight [120, 400]", "7.bias [120]", "9.weight [84, 120]", "9.bias [84]", "11.weight [10, 84]", "11.bias [10]");
    }

    [Fact]
    public void Load_WrongShapes_ThrowsNamingKeysAndLeavesModelUnchanged()
    {
        using var dir = new TempDirectory();
        new Sequential(new Linear(4, 3), new Linear(3, 2)).Save(dir.File("small.safetensors"));
        Sequential net = LeNetFactory.Create(2);
        float[] before = net.StateDict()["0.weight"].ToArray();

        Action act = () => net.Load(dir.File("small.safetensors"));

        act.Should().Throw<ArgumentException>().WithMessage("*size mismatch for '0.weight': expected [6, 1, 5, 5], got [3, 4]*missing key '3.weight'*");
        net.StateDict()["0.weight"].ToArray().Should().Equal(before);
    }

    [Fact]
    public void Load_NotStrict_LoadsTheKeysThatMatch()
    {
        using var dir = new TempDirectory();
        var state = new Dictionary<string, Tensor> { ["0.bias"] = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 6), ["extra"] = new Tensor(1) };
        SafeTensors.Write(dir.File("part.safetensors"), state);
        Sequential net = LeNetFactory.Create(2);

        net.Load(dir.File("part.safetensors"), strict: false);

        net.StateDict()["0.bias"].ToArray().Should().Equal(1f, 2f, 3f, 4f, 5f, 6f);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        using var dir = new TempDirectory();

        Action act = () => LeNetFactory.Create().Load(dir.File("nope.safetensors"));

        act.Should().Throw<FileNotFoundException>();
    }

    [Fact]
    public void Write_StreamFailsMidWrite_LeavesTheOldFileIntactAndNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        LeNetFactory.Create(1).Save(path);
        byte[] before = File.ReadAllBytes(path);

        Action act = () => SafeTensors.Write(path, LeNetFactory.Create(2).StateDict(), null, wrap: file => new FailingStream(file, failAfter: 5000));

        act.Should().Throw<IOException>().WithMessage("Simulated failure*");
        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(dir.Path).Should().Equal(path);
    }

    [Fact]
    public void Write_StreamFailsOnANewPath_CreatesNothing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("new.safetensors");

        Action act = () => SafeTensors.Write(path, LeNetFactory.Create(2).StateDict(), null, wrap: file => new FailingStream(file, failAfter: 10));

        act.Should().Throw<IOException>();
        Directory.GetFiles(dir.Path).Should().BeEmpty();
    }

    [Fact]
    public void Write_ReplacesAnExistingFile()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        File.WriteAllText(path, "old content that is not a safetensors file");

        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray([4f], 1) });

        SafeTensors.Read(path)["w"].ToArray().Should().Equal(4f);
        Directory.GetFiles(dir.Path).Should().Equal(path);
    }

    [Fact]
    public void Write_NullTensorOrReservedName_ThrowsBeforeTouchingTheDisk()
    {
        using var dir = new TempDirectory();
        string path = dir.File("x.safetensors");

        Action nullTensor = () => SafeTensors.Write(path, new Dictionary<string, Tensor> { ["w"] = null! });
        Action reserved = () => SafeTensors.Write(path, new Dictionary<string, Tensor> { ["__metadata__"] = new Tensor(1) });
        Action nullMetadata = () => SafeTensors.Write(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["k"] = null! });

        nullTensor.Should().Throw<ArgumentException>().WithMessage("*tensor 'w' is null*");
        reserved.Should().Throw<ArgumentException>().WithMessage("*'__metadata__'*reserves*");
        nullMetadata.Should().Throw<ArgumentException>().WithMessage("*metadata 'k' is null*");
        Directory.GetFiles(dir.Path).Should().BeEmpty();
    }

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }
}
