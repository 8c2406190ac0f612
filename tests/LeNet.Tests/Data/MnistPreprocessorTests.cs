using LeNet.Data;

namespace LeNet.Tests.Data;

public class MnistPreprocessorTests
{
    [Fact]
    public void Preprocess_DarkBarOnWhite_FitsTwentyHighAndCentresByMass()
    {
        // A 10×50 black bar on a white 100×60 page.
        byte[] page = Page(100, 60, background: 255, ink: 0, left: 20, top: 5, barWidth: 10, barHeight: 50);

        float[] image = MnistPreprocessor.Preprocess(page, 100, 60);

        // Scaled by 20/50 to 4×20, all ink (value 1); its centre of mass (10, 2) moves to (14, 14):
        // rows 4..23, columns 12..15.
        image.Should().HaveCount(784);
        for (int y = 0; y < 28; y++)
        {
            for (int x = 0; x < 28; x++)
            {
                bool inBar = y is >= 4 and <= 23 && x is >= 12 and <= 15;
                image[(y * 28) + x].Should().Be(inBar ? 1f : 0f, $"pixel ({y}, {x})");
            }
        }
    }

    [Fact]
    public void Preprocess_LightInkOnBlack_GivesTheSameAsDarkInkOnWhite()
    {
        byte[] dark = Page(64, 64, background: 250, ink: 10, left: 3, top: 7, barWidth: 30, barHeight: 12);
        byte[] light = Page(64, 64, background: 10, ink: 250, left: 3, top: 7, barWidth: 30, barHeight: 12);

        MnistPreprocessor.Preprocess(light, 64, 64).Should().Equal(MnistPreprocessor.Preprocess(dark, 64, 64));
    }

    [Fact]
    public void Preprocess_SameDigitElsewhereOnTheCanvas_SameResult()
    {
        byte[] a = Page(80, 80, background: 0, ink: 200, left: 2, top: 3, barWidth: 9, barHeight: 21);
        byte[] b = Page(80, 80, background: 0, ink: 200, left: 60, top: 50, barWidth: 9, barHeight: 21);

        MnistPreprocessor.Preprocess(b, 80, 80).Should().Equal(MnistPreprocessor.Preprocess(a, 80, 80));
    }

    [Fact]
    public void Preprocess_WideDigit_KeepsAspectRatio()
    {
        byte[] page = Page(120, 40, background: 0, ink: 255, left: 10, top: 10, barWidth: 100, barHeight: 20);

        float[] image = MnistPreprocessor.Preprocess(page, 120, 40);

        // 100×20 → 20×4: four full rows of twenty.
        image.Count(v => v == 1f).Should().Be(80);
        image.Count(v => v > 0f).Should().Be(80);
    }

    [Fact]
    public void Preprocess_BlankPage_AllZeros()
    {
        byte[] blank = Enumerable.Repeat((byte)255, 50 * 40).ToArray();

        MnistPreprocessor.Preprocess(blank, 50, 40).Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void Preprocess_BadArguments_Throw()
    {
        ((Action)(() => MnistPreprocessor.Preprocess(new byte[10], 3, 3))).Should().Throw<ArgumentException>().WithMessage("*3×3*9 pixels*got 10*");
        ((Action)(() => MnistPreprocessor.Preprocess([], 0, 3))).Should().Throw<ArgumentOutOfRangeException>();
        ((Action)(() => MnistPreprocessor.Preprocess(new byte[9], 3, 3, new float[10]))).Should().Throw<ArgumentException>().WithMessage("*784*");
    }

    private static byte[] Page(int width, int height, byte background, byte ink, int left, int top, int barWidth, int barHeight)
    {
        var page = Enumerable.Repeat(background, width * height).ToArray();
        for (int y = top; y < top + barHeight; y++)
        {
            for (int x = left; x < left + barWidth; x++)
            {
                page[(y * width) + x] = ink;
            }
        }

        return page;
    }
}
