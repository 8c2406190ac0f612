using LeNet.Tests.Layers;
using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Training;

public class BCEWithLogitsLossTests
{
    [Theory]
    [InlineData("bce_mean", "mean")]
    [InlineData("bce_sum", "sum")]
    public void Compute_TorchCaseWithLogitsOfNinety_MatchesPyTorch(string name, string reduction)
    {
        (Tensor input, Tensor target, float loss, Tensor gradient) = LossesATestData.Case(name);

        LossResult result = new BCEWithLogitsLoss(reduction).Compute(input, target);

        result.Loss.Should().BeApproximately(loss, 1e-5f + (1e-4f * Math.Abs(loss)));
        result.Gradient.ToArray().Should().BeCloseTo(gradient.ToArray(), TorchLayersA.Atol, TorchLayersA.Rtol);
    }

    [Fact]
    public void Compute_Random_MatchesCentralDifferences()
    {
        var random = new Random(74);
        Tensor x = Arrays.Random(random, 4, 3);
        Tensor y = Tensor.FromArray(Enumerable.Range(0, 12).Select(_ => random.NextSingle()).ToArray(), 4, 3);

        LossResult result = new BCEWithLogitsLoss().Compute(x, y);

        double[] xd = x.ToDouble(), yd = y.ToDouble();
        double Loss() => xd.Zip(yd, (z, t) => -((t * Math.Log(1 / (1 + Math.Exp(-z)))) + ((1 - t) * Math.Log(1 - (1 / (1 + Math.Exp(-z))))))).Sum() / 12;
        result.Loss.Should().BeApproximately((float)Loss(), 1e-6f);
        result.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "BCEWithLogitsLoss gradient");
    }

    [Fact]
    public void Compute_HugeLogits_StayFinite()
    {
        LossResult result = new BCEWithLogitsLoss("sum").Compute(Tensor.FromArray([1000f, -1000f], 2), Tensor.FromArray([0f, 1f], 2));

        result.Loss.Should().Be(2000f);
        result.Gradient.ToArray().Should().Equal(1f, -1f);
    }

    [Fact]
    public void Compute_ShapeMismatch_Throws()
    {
        Action act = () => new BCEWithLogitsLoss().Compute(new Tensor(4), new Tensor(2, 2));

        act.ShouldThrowNaming<ArgumentException>("BCEWithLogitsLoss", "[4]", "[2, 2]");
    }

    [Fact]
    public void Constructor_NoneReduction_ThrowsExplainingWhy()
    {
        Action act = () => _ = new BCEWithLogitsLoss("none");

        act.ShouldThrowNaming<ArgumentException>("BCEWithLogitsLoss", "\"mean\" or \"sum\"", "not supported");
    }
}
