using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Training;

public class CrossEntropyLossTests
{
    [Fact]
    public void Compute_RandomLogits_MatchesReferenceValueAndCentralDifferences()
    {
        Tensor logits = Arrays.Random(new Random(2), 5, 10);
        logits.AsSpan()[3] = 4f;
        int[] targets = [3, 0, 9, 5, 5];

        LossResult result = new CrossEntropyLoss().Compute(logits, targets);

        double[] z = logits.ToDouble();
        result.Loss.Should().BeApproximately((float)DoubleReference.CrossEntropy(z, 5, 10, targets), 1e-6f);
        result.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(z, () => DoubleReference.CrossEntropy(z, 5, 10, targets)), "logit gradient");
    }

    [Fact]
    public void Compute_TwoClassesByHand_IsLogOnePlusExp()
    {
        // Row (0, 1), target 0: −log(e⁰ / (e⁰ + e¹)) = log(1 + e) = 1.3132617; gradient (σ(−1) − 1, σ(1)) / 1.
        LossResult result = new CrossEntropyLoss().Compute(Tensor.FromArray([0f, 1f], 1, 2), [0]);

        result.Loss.Should().BeApproximately(1.3132617f, 1e-6f);
        result.Gradient.ToArray().Should().BeCloseTo([0.26894142f - 1f, 0.73105858f], atol: 1e-6);
        result.Correct.Should().Be(0);
    }

    [Fact]
    public void Compute_LogitsOfTenThousand_StayFiniteAndExact()
    {
        var logits = Tensor.FromArray([1e4f, -1e4f, -1e4f, 1e4f], 2, 2);

        LossResult result = new CrossEntropyLoss().Compute(logits, [0, 0]);

        // Row 0 is certain and right (loss 0); row 1 is certain and wrong (loss 2e4): mean 1e4.
        result.Loss.Should().Be(1e4f);
        result.Gradient.ToArray().Should().BeCloseTo([0f, 0f, -0.5f, 0.5f], atol: 1e-7);
        result.Correct.Should().Be(1);
    }

    [Fact]
    public void Compute_LabelSmoothing_MatchesHandComputation()
    {
        // ε = 0.1, C = 2, row (0, 0), target 0: q = (0.95, 0.05), log p = (−ln 2, −ln 2) → loss ln 2; gradient (0.5 − 0.95, 0.5 − 0.05).
        LossResult result = new CrossEntropyLoss(labelSmoothing: 0.1f).Compute(Tensor.FromArray([0f, 0f], 1, 2), [0]);

        result.Loss.Should().BeApproximately(0.6931472f, 1e-6f);
        result.Gradient.ToArray().Should().BeCloseTo([-0.45f, 0.45f], atol: 1e-6);
    }

    [Fact]
    public void Compute_BadInput_ThrowsWithDetails()
    {
        var loss = new CrossEntropyLoss();

        ((Action)(() => loss.Compute(new Tensor(2, 3, 1), [0, 1]))).Should().Throw<ArgumentException>().WithMessage("*[N, C]*[2, 3, 1]*");
        ((Action)(() => loss.Compute(new Tensor(2, 3), [0]))).Should().Throw<ArgumentException>().WithMessage("*expected 2 targets*got 1*");
        ((Action)(() => loss.Compute(new Tensor(2, 3), [0, 3]))).Should().Throw<ArgumentException>().WithMessage("*target 3 of row 1*[0, 3)*");
        ((Action)(() => _ = new CrossEntropyLoss(1.5f))).Should().Throw<ArgumentOutOfRangeException>();
    }
}
