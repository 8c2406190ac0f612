using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>BatchNorm's training-mode Backward against central differences of an independent double forward (<see cref="DoubleReferenceB.BatchNorm"/>).</summary>
public class GradientCheckTestsB
{
    [Theory]
    [InlineData(4, 3, 1, true)]
    [InlineData(3, 2, 5, true)]
    [InlineData(2, 3, 6, false)]
    [InlineData(5, 1, 3, true)]
    public void BatchNorm_TrainingBackward_MatchesCentralDifferences(int n, int c, int l, bool affine)
    {
        var random = new Random(n * 10 + c + l);
        var bn = new BatchNorm1d(c, affine: affine);
        if (affine)
        {
            Arrays.Random(random, c).AsSpan().CopyTo(bn.Weight!.Value.AsSpan());
            Arrays.Random(random, c).AsSpan().CopyTo(bn.Bias!.Value.AsSpan());
        }

        Tensor x = Arrays.Random(random, l == 1 ? [n, c] : [n, c, l]);
        Tensor r = Arrays.Random(random, x.Shape.ToArray());
        bn.Forward(x);

        Tensor dx = bn.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        double[]? gd = affine ? bn.Weight!.Value.ToDouble() : null, bd = affine ? bn.Bias!.Value.ToDouble() : null;
        double Loss() => DoubleReference.Project(DoubleReferenceB.BatchNorm(xd, n, c, l, gd, bd, 1e-5), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        if (affine)
        {
            bn.Weight!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(gd!, Loss), "weight gradient");
            bn.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd!, Loss), "bias gradient");
        }
    }

    [Fact]
    public void BatchNorm2d_TrainingBackward_MatchesCentralDifferences()
    {
        var random = new Random(42);
        var bn = new BatchNorm2d(2);
        Arrays.Random(random, 2).AsSpan().CopyTo(bn.Weight!.Value.AsSpan());
        Tensor x = Arrays.Random(random, 3, 2, 3, 4);
        Tensor r = Arrays.Random(random, 3, 2, 3, 4);
        bn.Forward(x);

        Tensor dx = bn.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble(), gd = bn.Weight.Value.ToDouble(), bd = bn.Bias!.Value.ToDouble();
        double Loss() => DoubleReference.Project(DoubleReferenceB.BatchNorm(xd, 3, 2, 12, gd, bd, 1e-5), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        bn.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(gd, Loss), "weight gradient");
    }
}
