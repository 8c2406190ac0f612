using LeNet.IO;
using static LeNet.Tests.IO.TorchBytes;

namespace LeNet.Tests.IO;

/// <summary>The restricted unpickler on hand-made pickles: what torch.save writes works, everything else is refused by name.</summary>
public class PickleReaderTests
{
    private static object? Load(byte[] pickle)
    {
        int position = 0;
        return PickleReader.Load(pickle, ref position, pickle.Length, "'test.pt'", _ =>
        {
            PickleReader.Throw("'test.pt'", "no persistent ids here");
            return null;
        });
    }

    [Fact]
    public void Load_PlainValues_BuildsThemAsPythonWould()
    {
        // {'a': [1, -2, 3.5, None, True], 'b': ('x', b'\x01')} at protocol 2, memoized as pickle.dumps does.
        byte[] pickle = P(0x80, 2, "}q", 0, "(", U("a"), "]q", 1, "(K", 1, "J", new byte[] { 0xfe, 0xff, 0xff, 0xff }, "G", new byte[] { 0x40, 0x0c, 0, 0, 0, 0, 0, 0 }, "N", 0x88, "e",
            U("b"), U("x"), "C", 1, 1, 0x86, "u.");

        var dict = (PickleDict)Load(pickle)!;

        dict.Items.Select(i => i.Key).Should().Equal("a", "b");
        ((List<object?>)dict.Get("a")!).Should().Equal(1L, -2L, 3.5, null, true);
        var tuple = (object?[])dict.Get("b")!;
        tuple[0].Should().Be("x");
        ((byte[])tuple[1]!).Should().Equal(1);
    }

    [Fact]
    public void Load_Protocol4FramesMemoizeAndStackGlobal_Work()
    {
        // pickle.dumps(collections.OrderedDict(a=1), protocol=4)
        byte[] pickle = Convert.FromHexString("80049529000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b01732e");

        var dict = (PickleDict)Load(pickle)!;

        dict.IsOrdered.Should().BeTrue();
        dict.Get("a").Should().Be(1L);
    }

    [Fact]
    public void Load_RepeatedKey_ReplacesTheValueInPlaceLikePython()
    {
        byte[] pickle = P(0x80, 2, "}(", U("a"), "K", 1, U("b"), "K", 2, U("a"), "K", 3, "u.");

        var dict = (PickleDict)Load(pickle)!;

        dict.Items.Select(i => (i.Key, i.Value)).Should().Equal(("a", (object?)3L), ("b", (object?)2L));
    }

    public static TheoryData<string, byte[], string> Refused => new()
    {
        { "os.system", P(0x80, 2, "cposix\nsystem\n", U("touch /tmp/x"), 0x85, "R."), "*refused the Python global 'posix.system'*could run code*" },
        { "nt.system", P("cnt\nsystem\n."), "*'nt.system'*" },
        { "builtins.eval by STACK_GLOBAL", P(0x80, 4, 0x8c, 8, "builtins", 0x8c, 4, "eval", 0x93, "."), "*refused the Python global 'builtins.eval'*" },
        { "subprocess.Popen", P(0x80, 4, 0x8c, 10, "subprocess", 0x8c, 5, "Popen", 0x93, "."), "*refused the Python global 'subprocess.Popen'*" },
        { "getattr", P("cbuiltins\ngetattr\n."), "*'builtins.getattr'*" },
        { "torch.storage._load_from_bytes", P("ctorch.storage\n_load_from_bytes\n."), "*'torch.storage._load_from_bytes'*runs torch.load*" },
        { "a pickled nn module", P("ctorch.nn.modules.conv\nConv2d\n."), "*pickled class 'torch.nn.modules.conv.Conv2d'*torch.save(model.state_dict(), path)*" },
        { "a user's class", P(0x80, 2, "c__main__\nNet\n)", 0x81, "."), "*pickled class '__main__.Net'*" },
        { "numpy reconstruct", P("cnumpy.core.multiarray\n_reconstruct\n."), "*'numpy.core.multiarray._reconstruct'*" },
        { "INST", P("(ios\nsystem\n."), "*'os.system'*" },
        { "calling a storage class", P("ctorch\nFloatStorage\n)R."), "*calling 'torch.FloatStorage' is not allowed*" },
        { "calling a dtype", P("ctorch\nfloat32\n)R."), "*calling 'torch.float32' is not allowed*" },
        { "calling a string", P(U("os"), ")R."), "*REDUCE of a str 'os', which is not callable*" },
        { "BUILD on a list", P("]}b."), "*BUILD on a list is not allowed*" },
        { "sparse tensors", P("ctorch._utils\n_rebuild_sparse_tensor\n."), "*'torch._utils._rebuild_sparse_tensor'*" },
        { "complex storage", P("ctorch\nComplexFloatStorage\n."), "*storage type 'torch.ComplexFloatStorage' is not supported*" },
        { "EXT1", P(0x82, 1, "."), "*extension-registry*" },
        { "NEWOBJ_EX", P("N)}", 0x92, "."), "*NEWOBJ_EX*" },
        { "out-of-band buffer", P(0x80, 5, 0x97, "."), "*out-of-band buffers*" },
        { "unknown opcode", P(0xff), "*unknown or unsupported pickle opcode 0xff*" },
        { "protocol 6", P(0x80, 6, "N."), "*pickle protocol 6 is not supported*" },
        { "no STOP", P(0x80, 2, "N"), "*ends without a STOP*" },
        { "empty", [], "*ends without a STOP*" },
        { "two values at STOP", P("NN."), "*STOP with 2 values*" },
        { "pop from empty", P("0."), "*stack is empty*" },
        { "APPEND to a dict", P("}Na."), "*APPEND on a dict, expected a list*" },
        { "SETITEM to a list", P("]NNs."), "*SETITEM on a list, expected a dict*" },
        { "odd SETITEMS", P("}(Nu."), "*odd number*" },
        { "TUPLE without mark", P("Nt."), "*needs a MARK*" },
        { "memo miss", P("h", 7, "."), "*memo index 7 was never stored*" },
        { "string beyond the end", P("X", new byte[] { 0xff, 0xff, 0xff, 0x7f }, "abc."), "*a value of 2147483647 bytes is longer than the 4 bytes left*" },
        { "huge BINUNICODE8", P(0x8d, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0x80 }, "."), "*bytes is longer than the 1 bytes left*" },
        { "huge BINBYTES8", P(0x8e, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "."), "*longer than the 1 bytes left*" },
        { "huge frame", P(0x80, 4, 0x95, new byte[] { 0, 0, 0, 0, 1, 0, 0, 0 }, "N."), "*a frame of 4294967296 bytes is longer than*" },
        { "negative LONG4", P(0x8b, new byte[] { 0xff, 0xff, 0xff, 0xff }, "."), "*LONG4 has a negative length*" },
        { "wide integer", P(0x8a, 9, new byte[9], "."), "*an integer of 9 bytes is wider than 64 bits*" },
        { "invalid UTF-8", P("X", new byte[] { 1, 0, 0, 0, 0xff }, "."), "*not valid UTF-8*" },
        { "text argument without newline", P("cos"), "*no newline within 1,000 bytes*" },
        { "text INT not a number", P("Iabc\n."), "*'abc' is not a 64-bit integer*" },
        { "persistent id", P("NQ."), "*no persistent ids here*" },
        { "text persistent id", P("Pabc\n."), "*PERSID*" },
        { "rebuild without storage", P("ctorch._utils\n_rebuild_tensor_v2\n(NK", 0, ")", ")", "tR."), "*_rebuild_tensor_v2 needs (storage, storage_offset, size, stride, ...)*" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Load_HostileOrMalformedPickle_ThrowsInvalidDataNamingTheProblem(string name, byte[] pickle, string message)
    {
        Action act = () => Load(pickle);

        act.Should().Throw<InvalidDataException>(name).WithMessage("Invalid PyTorch file 'test.pt': " + message);
    }

    [Fact]
    public void Load_RefusedGlobal_IsRefusedWhereItIsNamedBeforeAnyCall()
    {
        // GLOBAL posix.system at byte 2; the REDUCE that would call it comes later and is never reached.
        byte[] pickle = P(0x80, 2, "cposix\nsystem\n", U("touch /tmp/x"), 0x85, "R.");

        Action act = () => Load(pickle);

        act.Should().Throw<InvalidDataException>().WithMessage("*(pickle byte 16)*");
    }

    [Fact]
    public void Load_MarkFlood_StopsAtTheBound()
    {
        byte[] pickle = new byte[(1 << 22) + 10];
        pickle.AsSpan().Fill((byte)'(');

        Action act = () => Load(pickle);

        act.Should().Throw<InvalidDataException>().WithMessage("*more than 4194304 values on the pickle stack*");
    }

    [Fact]
    public void Load_DupFlood_StopsAtTheBound()
    {
        byte[] pickle = new byte[(1 << 22) + 10];
        pickle.AsSpan().Fill((byte)'2');
        pickle[0] = (byte)'N';

        Action act = () => Load(pickle);

        act.Should().Throw<InvalidDataException>().WithMessage("*more than 4194304 values*");
    }

    [Fact]
    public void Read_ExponentialSharing_IsRefusedAtTheEntryBound()
    {
        // L0 = []; L(k+1) = [Lk, Lk] through the memo: 60 levels make 2^60 paths out of ~600 bytes.
        var parts = new List<object> { 0x80, 2, "]q", 0, "0" };
        for (int k = 1; k <= 60; k++)
        {
            parts.AddRange(["(h", k - 1, "h", k - 1, "lq", k, "0"]);
        }

        parts.AddRange(["}", U("x"), "h", 60, "s."]);
        byte[] file = TorchZip(P([.. parts]));

        Action act = () => TorchFile.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*more than 1,048,576 entries*");
    }

    [Fact]
    public void ReadObject_DeepNesting_IsRefusedNamingTheDepth()
    {
        // 200 nested lists: [[[[...]]]]; the reader has no recursion, the walk stops at 100 levels.
        var parts = new List<object> { 0x80, 2, "}", U("x") };
        for (int i = 0; i < 200; i++)
        {
            parts.Add("(");
        }

        parts.Add("]");
        for (int i = 0; i < 200; i++)
        {
            parts.Add("l");
        }

        parts.Add("s.");
        byte[] file = TorchZip(P([.. parts]));

        Action act = () => TorchFile.Read(new MemoryStream(file));

        act.Should().Throw<InvalidDataException>().WithMessage("*containers nest deeper than 100 levels*");
    }
}
