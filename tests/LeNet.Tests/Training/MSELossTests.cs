using LeNet.Tests.Layers;
using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Training;

public class MSELossTests
{
    [Theory]
    [InlineData("mse_mean", "mean")]
    [InlineData("mse_sum", "sum")]
    public void Compute_TorchCase_MatchesPyTorch(string name, string reduction)
    {
        (Tensor input, Tensor target, float loss, Tensor gradient) = LossesATestData.Case(name);

        LossResult result = new MSELoss(reduction).Compute(input, target);

        result.Loss.Should().BeApproximately(loss, 1e-5f + (1e-4f * Math.Abs(loss)));
        result.Gradient.Shape.ToArray().Should().Equal(input.Shape.ToArray());
        result.Gradient.ToArray().Should().BeCloseTo(gradient.ToArray(), TorchLayersA.Atol, TorchLayersA.Rtol);
    }

    [Theory]
    [InlineData("mean")]
    [InlineData("sum")]
    public void Compute_Random_MatchesCentralDifferences(string reduction)
    {
        Tensor x = Arrays.Random(new Random(72), 3, 5), y = Arrays.Random(new Random(73), 3, 5);

        LossResult result = new MSELoss(reduction).Compute(x, y);

        double[] xd = x.ToDouble(), yd = y.ToDouble();
        double Loss() => xd.Zip(yd, (a, b) => (a - b) * (a - b)).Sum() / (reduction == "sum" ? 1 : 15);
        result.Loss.Should().BeApproximately((float)Loss(), 1e-6f);
        result.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "MSELoss gradient");
    }

    [Fact]
    public void Compute_ShapeMismatch_ThrowsWithBothShapes()
    {
        Action act = () => new MSELoss().Compute(new Tensor(2, 3), new Tensor(3, 2));

        act.ShouldThrowNaming<ArgumentException>("MSELoss", "[2, 3]", "[3, 2]");
    }

    [Fact]
    public void Constructor_UnknownReduction_Throws()
    {
        Action act = () => _ = new MSELoss("Mean");

        act.ShouldThrowNaming<ArgumentException>("MSELoss", "\"mean\" or \"sum\"", "Mean");
    }
}
