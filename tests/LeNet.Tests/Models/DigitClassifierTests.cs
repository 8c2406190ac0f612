using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.Models;

public class DigitClassifierTests
{
    [Fact]
    public void PredictDigit_LargeLogits_StableSoftmaxAndArgmax()
    {
        var linear = new Linear(784, 3);
        linear.Weight.Value.AsSpan().Clear();
        float[] bias = [1000f, 0f, 999f];
        bias.CopyTo(linear.Bias!.Value.AsSpan());
        var model = new Sequential(new Flatten(), linear);

        DigitPrediction prediction = model.PredictDigit(new float[784]);

        // softmax(1000, 0, 999) = (1, e⁻¹⁰⁰⁰, e⁻¹) / (1 + e⁻¹): 0.7310586, 0, 0.2689414.
        prediction.Digit.Should().Be(0);
        prediction.Probabilities.Should().BeCloseTo([0.7310586f, 0f, 0.2689414f], atol: 1e-6);
        prediction.Confidence.Should().Be(prediction.Probabilities[0]);
        prediction.Top(2).Should().Equal((0, prediction.Probabilities[0]), (2, prediction.Probabilities[2]));
    }

    [Fact]
    public void PredictDigit_WrongPixelCount_Throws()
    {
        Action act = () => LeNetFactory.Create().PredictDigit(new float[783]);

        act.Should().Throw<ArgumentException>().WithMessage("*784 values, got 783*");
    }
}
