using System.Buffers.Binary;
using System.Globalization;
using StbImageSharp;

namespace LeNet.Imaging;

/// <summary>
/// Decodes a picture (PNG, JPEG, PGM) into grey pixels for <see cref="LeNet.Data.MnistPreprocessor"/>, or into
/// RGB pixels for <see cref="ClassifierPreprocessor"/>. Treats its input as untrusted: the dimensions are read from
/// the header and checked against a pixel limit before anything is decoded (no decompression bombs:
/// <see cref="ImageTooLargeException"/>), and every other failure is an <see cref="InvalidDataException"/>
/// with a message that says what is wrong.
/// </summary>
/// <remarks>
/// PNG and JPEG are decoded by StbImageSharp (a managed port of stb_image); PGM by this class. Colour
/// becomes grey by Rec. 601 luma; transparent pixels are composited over whichever of black or white
/// contrasts with the visible ink, so a digit drawn on a transparent canvas keeps its strokes.
/// </remarks>
public static class DigitImageDecoder
{
    /// <summary>The default pixel limit: 4096 × 4096.</summary>
    public const long DefaultMaxPixels = 4096L * 4096;

    /// <summary>Recognises the format by its magic bytes.</summary>
    /// <param name="data">The start of the file (8 bytes are enough).</param>
    /// <returns>The format, or <see cref="ImageFormat.Unknown"/>.</returns>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (data.Length >= 3 && data[0] == (byte)'P' && (data[1] == (byte)'5' || data[1] == (byte)'2') && IsSpace(data[2]))
        {
            return ImageFormat.Pgm;
        }

        return ImageFormat.Unknown;
    }

    /// <summary>Reads the format and dimensions from the header alone, without decoding pixels.</summary>
    /// <param name="data">The whole file.</param>
    /// <returns>The format, width and height.</returns>
    /// <exception cref="InvalidDataException">Not a PNG, JPEG or PGM, or a header that is truncated or malformed.</exception>
    public static (ImageFormat Format, int Width, int Height) Identify(ReadOnlySpan<byte> data)
    {
        ImageFormat format = DetectFormat(data);
        (long width, long height) = format switch
        {
            ImageFormat.Png => PngSize(data),
            ImageFormat.Jpeg => JpegSize(data),
            ImageFormat.Pgm => ParsePgmHeader(data).Size,
            _ => throw new InvalidDataException("The data is not a PNG, JPEG or PGM image (unrecognised magic bytes)."),
        };
        if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new InvalidDataException($"The {format} header declares invalid dimensions {width}×{height}.");
        }

        return (format, (int)width, (int)height);
    }

    /// <summary>Decodes a picture to grey pixels, after checking its declared size.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="maxPixels">The largest width·height accepted.</param>
    /// <returns>The grey image.</returns>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="InvalidDataException">The data is not a readable PNG, JPEG or PGM.</exception>
    public static GreyImage Decode(byte[] data, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(data);
        (ImageFormat format, int width, int height) = Identify(data);
        if ((long)width * height > maxPixels)
        {
            throw new ImageTooLargeException(width, height, maxPixels);
        }

        return format == ImageFormat.Pgm ? DecodePgm(data) : DecodeWithStb(data, format, width, height);
    }

    /// <summary>Reads and decodes a picture file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxPixels">The largest width·height accepted.</param>
    /// <returns>The grey image.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="InvalidDataException">Not a readable PNG, JPEG or PGM; the message names the file.</exception>
    public static GreyImage Load(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = File.ReadAllBytes(path);
        try
        {
            return Decode(data, maxPixels);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Decodes a picture and preprocesses it like MNIST (see <see cref="LeNet.Data.MnistPreprocessor"/>).</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="maxPixels">The largest width·height accepted.</param>
    /// <returns>784 values in [0, 1], a 28×28 image for a [1, 1, 28, 28] input.</returns>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="InvalidDataException">The data is not a readable PNG, JPEG or PGM.</exception>
    public static float[] DecodeToMnist(byte[] data, long maxPixels = DefaultMaxPixels)
    {
        GreyImage image = Decode(data, maxPixels);
        return LeNet.Data.MnistPreprocessor.Preprocess(image.Pixels, image.Width, image.Height);
    }

    /// <summary>
    /// Decodes a picture to RGB pixels, after checking its declared size, as PIL's <c>Image.open(f).convert("RGB")</c>
    /// gives them to torchvision: an alpha channel is dropped (not composited), grey is repeated in the three channels.
    /// </summary>
    /// <param name="data">The whole file.</param>
    /// <param name="maxPixels">The largest width·height accepted.</param>
    /// <returns>The RGB image.</returns>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="InvalidDataException">The data is not a readable PNG, JPEG or PGM.</exception>
    public static RgbImage DecodeRgb(byte[] data, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(data);
        (ImageFormat format, int width, int height) = Identify(data);
        if ((long)width * height > maxPixels)
        {
            throw new ImageTooLargeException(width, height, maxPixels);
        }

        if (format == ImageFormat.Pgm)
        {
            byte[] grey = DecodePgm(data).Pixels;
            var rgb = new byte[3 * grey.Length];
            for (int i = 0; i < grey.Length; i++)
            {
                rgb[3 * i] = rgb[(3 * i) + 1] = rgb[(3 * i) + 2] = grey[i];
            }

            return new RgbImage(width, height, rgb);
        }

        ImageResult image = DecodeStb(data, format, width, height, ColorComponents.RedGreenBlue);
        return new RgbImage(width, height, image.Data);
    }

    /// <summary>Reads and decodes a picture file to RGB (see <see cref="DecodeRgb"/>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxPixels">The largest width·height accepted.</param>
    /// <returns>The RGB image.</returns>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ImageTooLargeException">The header declares more than <paramref name="maxPixels"/> pixels.</exception>
    /// <exception cref="InvalidDataException">Not a readable PNG, JPEG or PGM; the message names the file.</exception>
    public static RgbImage LoadRgb(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = File.ReadAllBytes(path);
        try
        {
            return DecodeRgb(data, maxPixels);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static GreyImage DecodeWithStb(byte[] data, ImageFormat format, int width, int height)
    {
        ImageResult image = DecodeStb(data, format, width, height, ColorComponents.RedGreenBlueAlpha);
        return new GreyImage(width, height, ToGrey(image.Data, width * height));
    }

    private static ImageResult DecodeStb(byte[] data, ImageFormat format, int width, int height, ColorComponents components)
    {
        ImageResult image;
        try
        {
            image = ImageResult.FromMemory(data, components);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"The {format} image could not be decoded: {e.Message}", e);
        }

        if (image.Width != width || image.Height != height)
        {
            throw new InvalidDataException($"The {format} image decoded to {image.Width}×{image.Height}, but its header says {width}×{height}.");
        }

        return image;
    }

    /// <summary>RGBA → grey by Rec. 601 luma, transparent areas composited over the colour that contrasts with the ink.</summary>
    private static byte[] ToGrey(byte[] rgba, int pixels)
    {
        var luma = new double[pixels];
        double inkSum = 0, inkWeight = 0;
        for (int i = 0; i < pixels; i++)
        {
            double l = (0.299 * rgba[4 * i]) + (0.587 * rgba[(4 * i) + 1]) + (0.114 * rgba[(4 * i) + 2]);
            double alpha = rgba[(4 * i) + 3] / 255.0;
            luma[i] = l;
            inkSum += l * alpha;
            inkWeight += alpha;
        }

        // What shows through is light when the opaque pixels are dark, and the other way round.
        double backdrop = inkWeight > 0 && inkSum / inkWeight > 127.5 ? 0 : 255;
        var grey = new byte[pixels];
        for (int i = 0; i < pixels; i++)
        {
            double alpha = rgba[(4 * i) + 3] / 255.0;
            grey[i] = (byte)Math.Clamp(Math.Round((alpha * luma[i]) + ((1 - alpha) * backdrop)), 0, 255);
        }

        return grey;
    }

    private static (long Width, long Height) PngSize(ReadOnlySpan<byte> data)
    {
        // Signature (8), then the IHDR chunk: length (4), "IHDR" (4), width (4, big-endian), height (4).
        if (data.Length < 24 || !data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            throw new InvalidDataException("The PNG header is truncated or does not start with an IHDR chunk.");
        }

        return (BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]));
    }

    private static (long Width, long Height) JpegSize(ReadOnlySpan<byte> data)
    {
        int at = 2;
        while (at + 4 <= data.Length)
        {
            if (data[at] != 0xFF)
            {
                throw new InvalidDataException($"The JPEG stream is malformed: expected a marker at byte {at}.");
            }

            byte marker = data[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }

            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                at += 2;
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(at + 2)..]);
            if (length < 2)
            {
                throw new InvalidDataException($"The JPEG segment at byte {at} has an invalid length {length}.");
            }

            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC): precision (1), height (2), width (2).
            if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
            {
                if (at + 9 > data.Length)
                {
                    break;
                }

                return (BinaryPrimitives.ReadUInt16BigEndian(data[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(at + 5)..]));
            }

            if (marker == 0xDA || marker == 0xD9)
            {
                throw new InvalidDataException("The JPEG stream has no frame header (SOF) before its image data.");
            }

            at += 2 + length;
        }

        throw new InvalidDataException("The JPEG header is truncated before its frame header (SOF).");
    }

    private static ((long Width, long Height) Size, int MaxValue, int DataOffset, bool Plain) ParsePgmHeader(ReadOnlySpan<byte> data)
    {
        bool plain = data[1] == (byte)'2';
        int at = 2;
        long width = ReadPgmNumber(data, ref at, "width");
        long height = ReadPgmNumber(data, ref at, "height");
        long maxValue = ReadPgmNumber(data, ref at, "maximum value");
        if (maxValue is < 1 or > 65535)
        {
            throw new InvalidDataException($"The PGM maximum value {maxValue} is outside 1..65535.");
        }

        if (at >= data.Length || !IsSpace(data[at]))
        {
            throw new InvalidDataException("The PGM header does not end with a whitespace character before the pixels.");
        }

        return ((width, height), (int)maxValue, at + 1, plain);
    }

    private static long ReadPgmNumber(ReadOnlySpan<byte> data, ref int at, string what)
    {
        while (at < data.Length && (IsSpace(data[at]) || data[at] == (byte)'#'))
        {
            if (data[at] == (byte)'#')
            {
                while (at < data.Length && data[at] != (byte)'\n')
                {
                    at++;
                }
            }
            else
            {
                at++;
            }
        }

        long value = 0;
        int digits = 0;
        while (at < data.Length && data[at] >= (byte)'0' && data[at] <= (byte)'9' && digits < 10)
        {
            value = (value * 10) + (data[at] - (byte)'0');
            at++;
            digits++;
        }

        if (digits == 0)
        {
            throw new InvalidDataException($"The PGM header has no valid {what}.");
        }

        return value;
    }

    private static GreyImage DecodePgm(byte[] data)
    {
        ((long w, long h), int maxValue, int offset, bool plain) = ParsePgmHeader(data);
        int width = (int)w, height = (int)h, pixels = width * height;
        var grey = new byte[pixels];
        if (plain)
        {
            int at = offset - 1;
            for (int i = 0; i < pixels; i++)
            {
                grey[i] = Scale(ReadPgmNumber(data, ref at, $"pixel {i}"), maxValue);
            }
        }
        else
        {
            int bytesPerPixel = maxValue > 255 ? 2 : 1;
            if (data.Length - offset < (long)pixels * bytesPerPixel)
            {
                throw new InvalidDataException($"The PGM pixel data is truncated: {width}×{height} pixels need {(long)pixels * bytesPerPixel} bytes, got {data.Length - offset}.");
            }

            for (int i = 0; i < pixels; i++)
            {
                int value = bytesPerPixel == 1 ? data[offset + i] : BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(offset + (2 * i)));
                grey[i] = Scale(value, maxValue);
            }
        }

        return new GreyImage(width, height, grey);
    }

    private static byte Scale(long value, int maxValue)
    {
        if (value > maxValue)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"A PGM pixel value {value} is above the maximum {maxValue}."));
        }

        return (byte)Math.Round(value * 255.0 / maxValue);
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;
}
