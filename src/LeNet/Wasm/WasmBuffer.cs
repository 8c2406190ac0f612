namespace LeNet.Wasm;

/// <summary>Bytes of a WebAssembly binary: LEB128 integers (unsigned and signed), names and length-prefixed vectors (WebAssembly Core Specification 2.0, section 5.1–5.2).</summary>
internal sealed class WasmBuffer
{
    private readonly List<byte> _bytes = [];

    public int Length => _bytes.Count;

    public byte[] ToArray() => [.. _bytes];

    public void Byte(byte value) => _bytes.Add(value);

    public void Bytes(ReadOnlySpan<byte> values)
    {
        foreach (byte b in values)
        {
            _bytes.Add(b);
        }
    }

    public void U32(uint value) => U32(_bytes, value);

    /// <summary>A name: its UTF-8 length, then its bytes.</summary>
    public void Name(string name) => Vector(System.Text.Encoding.UTF8.GetBytes(name));

    /// <summary>A byte vector: its length, then its bytes.</summary>
    public void Vector(ReadOnlySpan<byte> bytes)
    {
        U32((uint)bytes.Length);
        Bytes(bytes);
    }

    /// <summary>Unsigned LEB128: seven bits a byte, low first, the high bit set on every byte but the last.</summary>
    public static void U32(List<byte> bytes, uint value)
    {
        do
        {
            byte low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(low | 0x80) : low);
        }
        while (value != 0);
    }

    /// <summary>Signed LEB128: as unsigned, ending when the rest is the sign extension of the last byte's bit 6.</summary>
    public static void S32(List<byte> bytes, int value)
    {
        while (true)
        {
            byte low = (byte)(value & 0x7F);
            value >>= 7;
            bool done = (value == 0 && (low & 0x40) == 0) || (value == -1 && (low & 0x40) != 0);
            bytes.Add(done ? low : (byte)(low | 0x80));
            if (done)
            {
                return;
            }
        }
    }
}
