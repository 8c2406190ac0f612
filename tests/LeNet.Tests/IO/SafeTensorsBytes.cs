using System.Buffers.Binary;
using System.Text;

namespace LeNet.Tests.IO;

/// <summary>Builds safetensors files byte by byte from the format's definition, for tests that need exact or broken files.</summary>
public static class SafeTensorsBytes
{
    /// <summary>8-byte little-endian length of <paramref name="headerJson"/> (or <paramref name="declaredLength"/>), the JSON, then <paramref name="data"/>.</summary>
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(headerJson);
        return Build(json, data, declaredLength);
    }

    public static byte[] Build(byte[] json, byte[] data, ulong? declaredLength = null)
    {
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    /// <summary>Little-endian float32 bytes.</summary>
    public static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>Little-endian 16-bit words (F16 or BF16 bit patterns).</summary>
    public static byte[] U16(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return bytes;
    }

    /// <summary>Little-endian float64 bytes.</summary>
    public static byte[] F64(params double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        }

        return bytes;
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
