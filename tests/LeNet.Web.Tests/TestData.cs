using System.Text;
using System.Text.Json;
using LeNet.Data;

namespace LeNet.Web.Tests;

/// <summary>The pictures and MNIST excerpt shared with the unit tests, and request bodies made from them.</summary>
internal static class TestData
{
    private static readonly Lazy<Mnist> MnistSubset = new(() => Mnist.Load(Path.Combine(AppContext.BaseDirectory, "mnist-subset")));

    /// <summary>The 500 test images of the committed MNIST excerpt.</summary>
    public static MnistSplit MnistTest => MnistSubset.Value.Test;

    /// <summary>A committed picture of a digit (tests/LeNet.Tests/Cli/digits).</summary>
    public static byte[] Digit(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "digits", file));

    /// <summary>An MNIST test image as 784 values in [0, 1], as torchvision's ToTensor gives it.</summary>
    public static float[] MnistPixels(int index)
    {
        var pixels = new float[784];
        MnistTest.CopyImages([index], pixels);
        return pixels;
    }

    /// <summary>An MNIST test image as a binary PGM (P5) file.</summary>
    public static byte[] MnistPgm(int index)
    {
        byte[] header = Encoding.ASCII.GetBytes("P5\n28 28\n255\n");
        return [.. header, .. MnistTest.Pixels.Slice(index * 784, 784)];
    }

    /// <summary>The JSON body <c>{"pixels": [...]}</c>.</summary>
    public static string PixelsJson(float[] pixels) => JsonSerializer.Serialize(new { pixels });

    /// <summary>A PNG signature and IHDR chunk declaring a width and height, and nothing else.</summary>
    public static byte[] PngHeader(uint width, uint height)
    {
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        return png;
    }

    /// <summary>A JPEG start and a baseline frame header (SOF0) declaring a width and height, and nothing else.</summary>
    public static byte[] JpegHeader(ushort width, ushort height) =>
        [0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 0x01, 0x01, 0x11, 0x00];
}
