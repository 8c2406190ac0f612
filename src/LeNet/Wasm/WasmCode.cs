using System.Buffers.Binary;

namespace LeNet.Wasm;

/// <summary>
/// A WebAssembly function body being written: its locals and its instructions in the binary format
/// (WebAssembly Core Specification 2.0, section 5.4, and the fixed-width SIMD proposal's 0xFD opcodes).
/// Only what the <see cref="WasmPlanEmitter"/> needs: i32 arithmetic, structured loops, f32 and v128
/// memory access relative to an address plus a constant offset, and f32x4 arithmetic.
/// </summary>
internal sealed class WasmCode
{
    /// <summary>The value type codes of the binary format.</summary>
    public const byte I32 = 0x7F;

    /// <summary>The 128-bit vector type.</summary>
    public const byte V128 = 0x7B;

    private readonly List<byte> _bytes = [];
    private readonly List<byte> _locals = [];

    /// <summary>A body whose first <paramref name="parameters"/> locals are the function's i32 parameters.</summary>
    public WasmCode(int parameters) => Parameters = parameters;

    public int Parameters { get; }

    /// <summary>Declares a local of type <paramref name="type"/> and returns its index.</summary>
    public int Local(byte type)
    {
        _locals.Add(type);
        return Parameters + _locals.Count - 1;
    }

    /// <summary>The body as the code section stores it: size, local declarations, instructions, <c>end</c>.</summary>
    public byte[] ToBody()
    {
        var body = new WasmBuffer();
        var runs = new List<(int Count, byte Type)>();
        foreach (byte type in _locals)
        {
            if (runs.Count > 0 && runs[^1].Type == type)
            {
                runs[^1] = (runs[^1].Count + 1, type);
            }
            else
            {
                runs.Add((1, type));
            }
        }

        body.U32((uint)runs.Count);
        foreach ((int count, byte type) in runs)
        {
            body.U32((uint)count);
            body.Byte(type);
        }

        body.Bytes([.. _bytes]);
        body.Byte(0x0B);
        var sized = new WasmBuffer();
        sized.Vector(body.ToArray());
        return sized.ToArray();
    }

    // Control (5.4.1): blocks carry no values (block type 0x40).
    public void Loop() => Op(0x03, 0x40);

    public void Block() => Op(0x02, 0x40);

    public void End() => _bytes.Add(0x0B);

    public void BrIf(int depth)
    {
        _bytes.Add(0x0D);
        WasmBuffer.U32(_bytes, (uint)depth);
    }

    public void Call(int function)
    {
        _bytes.Add(0x10);
        WasmBuffer.U32(_bytes, (uint)function);
    }

    // Variables (5.4.4).
    public void Get(int local) => Index(0x20, local);

    public void Set(int local) => Index(0x21, local);

    public void Tee(int local) => Index(0x22, local);

    // Numeric (5.4.6).
    public void I32Const(int value)
    {
        _bytes.Add(0x41);
        WasmBuffer.S32(_bytes, value);
    }

    public void I32Add() => _bytes.Add(0x6A);

    public void I32Mul() => _bytes.Add(0x6C);

    public void I32LtS() => _bytes.Add(0x48);

    /// <summary>local += <paramref name="step"/>.</summary>
    public void Increment(int local, int step)
    {
        Get(local);
        I32Const(step);
        I32Add();
        Set(local);
    }

    /// <summary>address + <paramref name="constant"/>, the address on the stack.</summary>
    public void AddConst(int constant)
    {
        if (constant != 0)
        {
            I32Const(constant);
            I32Add();
        }
    }

    // Memory (5.4.5): every access states its alignment exponent and a constant offset.
    public void F32Load(int offset) => Memory(0x2A, 2, offset);

    public void F32Store(int offset) => Memory(0x38, 2, offset);

    // SIMD (0xFD prefix, then the opcode as a LEB128 u32).
    public void V128Load(int offset) => SimdMemory(0x00, 4, offset);

    public void V128Load32Splat(int offset) => SimdMemory(0x09, 2, offset);

    public void V128Store(int offset) => SimdMemory(0x0B, 4, offset);

    public void F32x4Const(float value)
    {
        Simd(0x0C);
        Span<byte> lane = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(lane, value);
        for (int i = 0; i < 4; i++)
        {
            _bytes.AddRange(lane.ToArray());
        }
    }

    public void F32x4Add() => Simd(0xE4);

    public void F32x4Sub() => Simd(0xE5);

    public void F32x4Mul() => Simd(0xE6);

    public void F32x4Div() => Simd(0xE7);

    public void F32x4Min() => Simd(0xE8);

    public void F32x4Max() => Simd(0xE9);

    public void I32x4Shl() => Simd(0xAB);

    private void Op(byte op, byte immediate)
    {
        _bytes.Add(op);
        _bytes.Add(immediate);
    }

    private void Index(byte op, int index)
    {
        _bytes.Add(op);
        WasmBuffer.U32(_bytes, (uint)index);
    }

    private void Memory(byte op, int align, int offset)
    {
        _bytes.Add(op);
        WasmBuffer.U32(_bytes, (uint)align);
        WasmBuffer.U32(_bytes, checked((uint)offset));
    }

    private void Simd(uint op)
    {
        _bytes.Add(0xFD);
        WasmBuffer.U32(_bytes, op);
    }

    private void SimdMemory(uint op, int align, int offset)
    {
        Simd(op);
        WasmBuffer.U32(_bytes, (uint)align);
        WasmBuffer.U32(_bytes, checked((uint)offset));
    }
}
