using System.Text.Json;
using LeNet.Imaging;
using LeNet.Tests.Reference;
using StbImageWriteSharp;

namespace LeNet.Tests.Imaging;

/// <summary>
/// torchvision's classification preprocessing: the resize against a naive oracle and against Pillow bit for bit
/// (Golden/torchvision/preprocessing.json, made by make_preprocessing.py with torchvision 0.14.1 and Pillow 9.4),
/// the crop and the normalization against hand-computed cases, and RGB decoding.
/// </summary>
public class ClassifierPreprocessorTests
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "Golden", "torchvision", "preprocessing.json");

    public static TheoryData<string> GoldenCases()
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(GoldenPath));
        var data = new TheoryData<string>();
        foreach (JsonElement c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    private static (RgbImage Image, int Resize, int Crop, RgbImage Resized, int[] Shape, float[] Output) Golden(string name)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(GoldenPath));
        JsonElement c = json.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        static RgbImage Image(JsonElement e) => new(e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32(), [.. e.GetProperty("pixels").EnumerateArray().Select(p => p.GetByte())]);
        return (Image(c), c.GetProperty("resize").GetInt32(), c.GetProperty("crop").GetInt32(), Image(c.GetProperty("resized")),
            [.. c.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32())], [.. c.GetProperty("output").EnumerateArray().Select(v => v.GetSingle())]);
    }

    /// <summary>A picture with detail at every scale, from a formula.</summary>
    private static RgbImage Pattern(int width, int height, int seed)
    {
        var pixels = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    pixels[(3 * ((y * width) + x)) + c] = (byte)(((x * 37) + (y * 91) + (c * 53) + (x * y * 7) + (seed * 11)) % 256);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void ResizeShorterSide_MatchesPillowBitForBit(string name)
    {
        var golden = Golden(name);

        RgbImage resized = ClassifierPreprocessor.ResizeShorterSide(golden.Image, golden.Resize);

        (resized.Width, resized.Height).Should().Be((golden.Resized.Width, golden.Resized.Height));
        resized.Pixels.Should().Equal(golden.Resized.Pixels);
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void Preprocess_MatchesTorchvisionsTransforms(string name)
    {
        var golden = Golden(name);

        Tensor tensor = new ClassifierPreprocessor(golden.Resize, golden.Crop).Preprocess(golden.Image);

        tensor.Shape.ToArray().Should().Equal([1, .. golden.Shape]);
        tensor.ToArray().Should().Equal(golden.Output, "ToTensor and Normalize are the same float32 operations as PyTorch's");
    }

    [Theory]
    [InlineData(23, 17, 8, 6)]     // shrink by non-integer factors
    [InlineData(13, 31, 5, 12)]
    [InlineData(7, 5, 16, 11)]     // upscale
    [InlineData(9, 9, 3, 3)]       // shrink by exactly 3
    [InlineData(40, 3, 7, 3)]      // one axis only
    [InlineData(1, 1, 4, 2)]
    public void Resize_IsWithinOneLevelOfTheFormula(int width, int height, int newWidth, int newHeight)
    {
        RgbImage image = Pattern(width, height, seed: width + height);

        RgbImage resized = ClassifierPreprocessor.Resize(image, newWidth, newHeight);
        byte[] expected = NaiveImageResize.Resize(image.Pixels, width, height, 3, newWidth, newHeight);

        // Pillow rounds to 8 bits after the horizontal pass and uses 22-bit fixed-point weights: at most one level off.
        int[] differences = [.. resized.Pixels.Zip(expected, (a, b) => Math.Abs(a - b))];
        differences.Max().Should().BeLessThanOrEqualTo(1, "Pillow's two passes differ from the exact formula by rounding only");
        differences.Average().Should().BeLessThan(0.5);
    }

    [Fact]
    public void Resize_TwoByTwoToOne_RoundsAfterEachPassAsPillowDoes()
    {
        // Halving averages pairs with weights ½, ½. Rows: (10 + 20) / 2 = 15, (30 + 41) / 2 = 35.5 → 36 (half up);
        // then (15 + 36) / 2 = 25.5 → 26, where the exact mean 25.25 would round to 25.
        var image = new RgbImage(2, 2, [10, 10, 10, 20, 20, 20, 30, 30, 30, 41, 41, 41]);

        RgbImage resized = ClassifierPreprocessor.Resize(image, 1, 1);

        resized.Pixels.Should().Equal(26, 26, 26);
    }

    [Theory]
    [InlineData(640, 480, 256, 341, 256)]   // int(256 · 640 / 480) = int(341.33)
    [InlineData(480, 640, 256, 256, 341)]
    [InlineData(300, 300, 224, 224, 224)]
    [InlineData(100, 30, 256, 853, 256)]    // upscale: int(256 · 100 / 30) = int(853.33)
    public void ResizeShorterSide_GivesTorchvisionsSize(int width, int height, int size, int newWidth, int newHeight)
    {
        RgbImage resized = ClassifierPreprocessor.ResizeShorterSide(new RgbImage(width, height, new byte[3 * width * height]), size);

        (resized.Width, resized.Height).Should().Be((newWidth, newHeight));
    }

    [Fact]
    public void ResizeShorterSide_AlreadyThatSize_ReturnsThePicture()
    {
        var image = new RgbImage(256, 300, new byte[3 * 256 * 300]);

        ClassifierPreprocessor.ResizeShorterSide(image, 256).Should().BeSameAs(image);
    }

    [Fact]
    public void CenterCrop_OddMargin_RoundsHalfToEvenAsPython()
    {
        // 5×4, crop 2×2: top = round(2 / 2) = 1, left = round(3 / 2 = 1.5) = 2 (Python's round: to even).
        RgbImage image = Pattern(5, 4, seed: 0);

        RgbImage crop = ClassifierPreprocessor.CenterCrop(image, 2, 2);

        byte[] Pixel(int x, int y) => image.Pixels[(3 * ((y * 5) + x))..((3 * ((y * 5) + x)) + 3)];
        crop.Pixels.Should().Equal([.. Pixel(2, 1), .. Pixel(3, 1), .. Pixel(2, 2), .. Pixel(3, 2)]);
    }

    [Fact]
    public void CenterCrop_LargerThanThePicture_PadsWithBlackTheOddPixelLast()
    {
        // 2×1 into 3×3: torchvision pads left (3 − 2) // 2 = 0, right 1, top (3 − 1) // 2 = 1, bottom 1.
        var image = new RgbImage(2, 1, [1, 2, 3, 4, 5, 6]);

        RgbImage crop = ClassifierPreprocessor.CenterCrop(image, 3, 3);

        crop.Pixels.Should().Equal(
            0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 2, 3, 4, 5, 6, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void ToNormalizedChw_ScalesSubtractsAndDividesPerChannel()
    {
        // Two pixels (255, 0, 128) and (51, 102, 204): planes R, G, B of (v / 255 − mean) / std in float32.
        var image = new RgbImage(2, 1, [255, 0, 128, 51, 102, 204]);
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];

        float[] values = ClassifierPreprocessor.ToNormalizedChw(image, mean, std);

        values.Should().Equal(
            (1f - 0.485f) / 0.229f, (0.2f - 0.485f) / 0.229f,
            (0f - 0.456f) / 0.224f, (0.4f - 0.456f) / 0.224f,
            ((128 / 255f) - 0.406f) / 0.225f, (0.8f - 0.406f) / 0.225f);
    }

    [Fact]
    public void Preprocess_NoResizeNoCrop_KeepsThePicturesSize()
    {
        Tensor tensor = new ClassifierPreprocessor(resizeSize: 0, cropSize: 0).Preprocess(Pattern(7, 5, 1));

        tensor.Shape.ToArray().Should().Equal(1, 3, 5, 7);
    }

    [Theory]
    [InlineData(new[] { 0.5f, 0.5f }, new[] { 1f, 1f, 1f })]
    [InlineData(new[] { 0.5f, 0.5f, 0.5f }, new[] { 1f, 0f, 1f })]
    [InlineData(new[] { 0.5f, float.NaN, 0.5f }, new[] { 1f, 1f, 1f })]
    public void Constructor_BadMeanOrStd_Throws(float[] mean, float[] std)
    {
        Action create = () => _ = new ClassifierPreprocessor(mean: mean, std: std);

        create.Should().Throw<ArgumentException>().WithMessage("ClassifierPreprocessor: *");
    }

    [Fact]
    public void DecodeRgb_Png_GivesTheExactPixelsAndDropsAlpha()
    {
        byte[] rgba = [255, 0, 0, 255, 0, 255, 0, 0, 10, 20, 30, 128];
        byte[] png;
        using (var stream = new MemoryStream())
        {
            new ImageWriter().WritePng(rgba, 3, 1, ColorComponents.RedGreenBlueAlpha, stream);
            png = stream.ToArray();
        }

        RgbImage image = DigitImageDecoder.DecodeRgb(png);

        (image.Width, image.Height).Should().Be((3, 1));
        image.Pixels.Should().Equal(255, 0, 0, 0, 255, 0, 10, 20, 30);
    }

    [Fact]
    public void DecodeRgb_GreyPngAndPgm_RepeatTheGreyInEveryChannel()
    {
        byte[] png;
        using (var stream = new MemoryStream())
        {
            new ImageWriter().WritePng(new byte[] { 0, 100, 255 }, 3, 1, ColorComponents.Grey, stream);
            png = stream.ToArray();
        }

        byte[] pgm = [.. "P5 3 1 255\n"u8, 0, 100, 255];

        DigitImageDecoder.DecodeRgb(png).Pixels.Should().Equal(0, 0, 0, 100, 100, 100, 255, 255, 255);
        DigitImageDecoder.DecodeRgb(pgm).Pixels.Should().Equal(0, 0, 0, 100, 100, 100, 255, 255, 255);
    }

    [Fact]
    public void DecodeRgb_TooManyPixels_ThrowsBeforeDecoding()
    {
        byte[] pgm = [.. "P5 5000 5000 255\n"u8];

        Action decode = () => DigitImageDecoder.DecodeRgb(pgm);

        decode.Should().Throw<ImageTooLargeException>();
    }
}
