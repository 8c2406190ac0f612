using LeNet.Tests.Layers;
using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Training;

public class NLLLossTests
{
    [Theory]
    [InlineData("nll_mean", "mean")]
    [InlineData("nll_sum", "sum")]
    public void Compute_TorchCase_MatchesPyTorch(string name, string reduction)
    {
        (Tensor input, Tensor target, float loss, Tensor gradient) = LossesATestData.Case(name);
        int[] classes = target.ToArray().Select(v => (int)v).ToArray();

        LossResult result = new NLLLoss(reduction).Compute(input, classes);

        result.Loss.Should().BeApproximately(loss, 1e-5f + (1e-4f * Math.Abs(loss)));
        result.Gradient.ToArray().Should().BeCloseTo(gradient.ToArray(), TorchLayersA.Atol, TorchLayersA.Rtol);
    }

    [Fact]
    public void Compute_Random_MatchesCentralDifferences()
    {
        Tensor x = Arrays.Random(new Random(70), 4, 5);
        int[] targets = [0, 4, 2, 2];

        LossResult result = new NLLLoss().Compute(x, targets);

        double[] xd = x.ToDouble();
        double Loss() => -targets.Select((t, r) => xd[(r * 5) + t]).Sum() / 4;
        result.Loss.Should().BeApproximately((float)Loss(), 1e-6f);
        result.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "NLLLoss gradient");
    }

    [Fact]
    public void Compute_AfterLogSoftmax_EqualsCrossEntropy()
    {
        Tensor logits = Arrays.Random(new Random(71), 3, 4);
        int[] targets = [1, 3, 0];

        LossResult nll = new NLLLoss().Compute(new LeNet.Layers.LogSoftmax(1).Forward(logits), targets);

        nll.Loss.Should().BeApproximately(new CrossEntropyLoss().Compute(logits, targets).Loss, 1e-6f);
        nll.Correct.Should().Be(new CrossEntropyLoss().Compute(logits, targets).Correct);
    }

    [Fact]
    public void Compute_TargetOutOfRange_ThrowsNamingRow()
    {
        Action act = () => new NLLLoss().Compute(new Tensor(2, 3), [0, 3]);

        act.ShouldThrowNaming<ArgumentException>("NLLLoss", "target 3 of row 1", "[0, 3)");
    }

    [Fact]
    public void Compute_WrongRankOrCount_Throws()
    {
        Action rank = () => new NLLLoss().Compute(new Tensor(6), [0]);
        Action count = () => new NLLLoss().Compute(new Tensor(2, 3), [0]);

        rank.ShouldThrowNaming<ArgumentException>("NLLLoss", "[N, C]", "[6]");
        count.ShouldThrowNaming<ArgumentException>("NLLLoss", "expected 2 targets", "got 1");
    }

    [Theory]
    [InlineData("none")]
    [InlineData("average")]
    public void Constructor_UnknownReduction_ThrowsNamingTheAcceptedValues(string reduction)
    {
        Action act = () => _ = new NLLLoss(reduction);

        act.ShouldThrowNaming<ArgumentException>("NLLLoss", "\"mean\" or \"sum\"", reduction);
    }
}
