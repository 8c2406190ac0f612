using LeNet.Data;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;

namespace LeNet.Tests.Models;

/// <summary><see cref="DigitClassifier.PredictDigit(Module, ReadOnlySpan{byte}, int, int)"/>: a picture of a digit, any size, in; the digit out.</summary>
public class DigitClassifierPictureTests
{
    /// <summary>
    /// MNIST test images drawn the way a page draws them: 10× larger (280×280) and dark ink on white. The
    /// truth is MNIST's own labels.
    /// </summary>
    [Theory]
    [InlineData(LeNetVariant.Modern)]
    [InlineData(LeNetVariant.Classic)]
    public void PredictDigit_LargeDarkOnLightPictures_ReadsMnistLabels(LeNetVariant variant)
    {
        Sequential model = LeNetFactory.CreatePretrained(variant);
        MnistSplit test = Mnist.Load(MnistTests.Subset).Test;
        const int Scale = 10, Count = 50;
        int side = 28 * Scale, correct = 0;
        var picture = new byte[side * side];

        for (int n = 0; n < Count; n++)
        {
            ReadOnlySpan<byte> image = test.Pixels.Slice(n * 784, 784);
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                {
                    picture[(y * side) + x] = (byte)(255 - image[((y / Scale) * 28) + (x / Scale)]);
                }
            }

            DigitPrediction prediction = model.PredictDigit(picture, side, side);
            correct += prediction.Digit == test.Labels[n] ? 1 : 0;
            prediction.Probabilities.Sum().Should().BeApproximately(1f, 1e-5f);
        }

        correct.Should().BeGreaterThanOrEqualTo(45, $"the {variant} model reads ≥ 97 % of MNIST's test images, recentred and rescaled pictures of them nearly as well");
    }

    [Fact]
    public void PredictDigit_PixelsDoNotMatchTheSize_ThrowsNamingThePreprocessor()
    {
        Action act = () => LeNetFactory.Create().PredictDigit(new byte[100], 10, 11);

        act.Should().Throw<ArgumentException>().WithMessage("*MnistPreprocessor*10×11*110*100*");
    }
}
