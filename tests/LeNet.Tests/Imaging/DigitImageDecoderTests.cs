using System.Text;
using LeNet.Imaging;
using StbImageWriteSharp;

namespace LeNet.Tests.Imaging;

public class DigitImageDecoderTests
{
    [Fact]
    public void Decode_GreyPng_GivesTheExactPixels()
    {
        byte[] pixels = Gradient(17, 9);
        byte[] png = EncodePng(pixels, 17, 9, ColorComponents.Grey);

        GreyImage image = DigitImageDecoder.Decode(png);

        (image.Width, image.Height).Should().Be((17, 9));
        image.Pixels.Should().Equal(pixels);
        DigitImageDecoder.Identify(png).Should().Be((ImageFormat.Png, 17, 9));
    }

    [Fact]
    public void Decode_ColourPng_UsesRec601Luma()
    {
        // Pure red, green, blue and white: luma 0.299·255, 0.587·255, 0.114·255, 255.
        byte[] rgb = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];
        byte[] png = EncodePng(rgb, 4, 1, ColorComponents.RedGreenBlue);

        DigitImageDecoder.Decode(png).Pixels.Should().Equal(76, 150, 29, 255);
    }

    [Fact]
    public void Decode_DarkInkOnTransparentPng_CompositesOverWhite()
    {
        // Two opaque black pixels, two fully transparent ones.
        byte[] rgba = [0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0];

        DigitImageDecoder.Decode(EncodePng(rgba, 2, 2, ColorComponents.RedGreenBlueAlpha)).Pixels.Should().Equal(0, 255, 0, 255);
    }

    [Fact]
    public void Decode_WhiteInkOnTransparentPng_CompositesOverBlack()
    {
        byte[] rgba = [255, 255, 255, 255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0];

        DigitImageDecoder.Decode(EncodePng(rgba, 2, 2, ColorComponents.RedGreenBlueAlpha)).Pixels.Should().Equal(255, 0, 255, 0);
    }

    [Fact]
    public void Decode_Jpeg_IsCloseToTheSource()
    {
        byte[] pixels = Gradient(32, 24);
        byte[] jpeg;
        using (var stream = new MemoryStream())
        {
            new ImageWriter().WriteJpg(pixels, 32, 24, ColorComponents.Grey, stream, 95);
            jpeg = stream.ToArray();
        }

        GreyImage image = DigitImageDecoder.Decode(jpeg);

        DigitImageDecoder.Identify(jpeg).Should().Be((ImageFormat.Jpeg, 32, 24));
        image.Pixels.Zip(pixels, (a, b) => Math.Abs(a - b)).Max().Should().BeLessThan(12, "quality 95 JPEG of a smooth gradient");
    }

    [Fact]
    public void Decode_BinaryAndPlainPgm_GiveTheSamePixels()
    {
        byte[] binary = [.. Encoding.ASCII.GetBytes("P5\n# a comment\n3 2\n255\n"), 0, 64, 128, 192, 255, 10];
        byte[] plain = Encoding.ASCII.GetBytes("P2\n3 2\n255\n0 64 128\n192 255 10\n");
        byte[] sixteen = [.. Encoding.ASCII.GetBytes("P5 1 1 65535\n"), 0x80, 0x00];

        DigitImageDecoder.Decode(binary).Pixels.Should().Equal(0, 64, 128, 192, 255, 10);
        DigitImageDecoder.Decode(plain).Pixels.Should().Equal(0, 64, 128, 192, 255, 10);
        DigitImageDecoder.Decode(sixteen).Pixels.Should().Equal(128);
    }

    [Fact]
    public void Decode_HugeDeclaredDimensions_RefusedBeforeDecoding()
    {
        // A PNG header claiming 100000×100000 followed by nothing: refused from the header alone.
        byte[] bomb = new byte[33];
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0 }.CopyTo(bomb, 0);
        byte[] pgm = Encoding.ASCII.GetBytes("P5 60000 60000 255\n");

        ((Action)(() => DigitImageDecoder.Decode(bomb))).Should().Throw<ImageTooLargeException>().WithMessage("*100000×100000*");
        ((Action)(() => DigitImageDecoder.Decode(pgm))).Should().Throw<ImageTooLargeException>();
    }

    [Theory]
    [InlineData("not an image at all")]
    [InlineData("P5 3 2 255\n\x01")]
    [InlineData("P5 3 x 255\n")]
    [InlineData("P2 2 1 255\n1 999\n")]
    public void Decode_Malformed_ThrowsInvalidData(string text)
    {
        Action act = () => DigitImageDecoder.Decode(Encoding.Latin1.GetBytes(text));

        act.Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void Decode_TruncatedPngAndJpeg_ThrowInvalidData()
    {
        byte[] png = EncodePng(Gradient(20, 20), 20, 20, ColorComponents.Grey);
        byte[] jpeg;
        using (var stream = new MemoryStream())
        {
            new ImageWriter().WriteJpg(Gradient(20, 20), 20, 20, ColorComponents.Grey, stream, 90);
            jpeg = stream.ToArray();
        }

        ((Action)(() => DigitImageDecoder.Decode(png[..40]))).Should().Throw<InvalidDataException>();
        ((Action)(() => DigitImageDecoder.Decode(jpeg[..10]))).Should().Throw<InvalidDataException>();
    }

    [Fact]
    public void DecodeToMnist_DigitPicture_Gives784ValuesInUnitRange()
    {
        var pixels = Enumerable.Repeat((byte)255, 40 * 40).ToArray();
        for (int y = 5; y < 35; y++)
        {
            pixels[(y * 40) + 20] = 0;
        }

        float[] input = DigitImageDecoder.DecodeToMnist(EncodePng(pixels, 40, 40, ColorComponents.Grey));

        input.Should().HaveCount(784);
        input.Should().OnlyContain(v => v >= 0f && v <= 1f);
        input.Max().Should().Be(1f);
    }

    private static byte[] Gradient(int width, int height) =>
        Enumerable.Range(0, width * height).Select(i => (byte)((i % width * 255 / (width - 1) + (i / width * 7)) % 256)).ToArray();

    private static byte[] EncodePng(byte[] pixels, int width, int height, ColorComponents components)
    {
        using var stream = new MemoryStream();
        new ImageWriter().WritePng(pixels, width, height, components, stream);
        return stream.ToArray();
    }
}
