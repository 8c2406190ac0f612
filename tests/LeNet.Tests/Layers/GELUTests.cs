using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class GELUTests
{
    [Theory]
    [InlineData("gelu", "none")]
    [InlineData("gelu_wide", "none")]
    [InlineData("gelu_tanh", "tanh")]
    [InlineData("gelu_tanh_wide", "tanh")]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, string approximate) => new GELU(approximate).ShouldMatchTorchC(name);

    [Fact]
    public void Backward_Exact_MatchesCentralDifferences() =>
        new GELU().ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.Gelu), seed: 15, scale: 4);

    [Fact]
    public void Backward_Tanh_MatchesCentralDifferences() =>
        new GELU("tanh").ShouldMatchCentralDifferences([3, 23], x => NaiveLayersA.Map(x, NaiveLayersC.GeluTanh), seed: 16, scale: 4);

    /// <summary>Forward against x·Φ(x) in double, on a fine grid over [−10, 10], to 2e-7 absolute + 4e-7 relative.</summary>
    [Theory]
    [InlineData("none")]
    [InlineData("tanh")]
    public void Forward_Grid_MatchesTheFormulaInDouble(string approximate)
    {
        float[] x = [.. Enumerable.Range(-5000, 10001).Select(i => i / 500f)];
        Func<double, double> f = approximate == "none" ? NaiveLayersC.Gelu : NaiveLayersC.GeluTanh;

        float[] y = new GELU(approximate).Forward(Tensor.FromArray(x, x.Length)).ToArray();

        y.Should().BeCloseTo([.. x.Select(v => (float)f(v))], 2e-7, 4e-7);
    }

    [Fact]
    public void Reference_Erf_MatchesKnownValues()
    {
        // erf(0.5), erf(1), erf(2), erf(3) to 16 digits (Abramowitz and Stegun, table 7.1).
        NaiveLayersC.Erf(0.5).Should().BeApproximately(0.5204998778130465, 1e-15);
        NaiveLayersC.Erf(1).Should().BeApproximately(0.8427007929497149, 1e-15);
        NaiveLayersC.Erf(-2).Should().BeApproximately(-0.9953222650189527, 1e-15);
        NaiveLayersC.Erf(3).Should().BeApproximately(0.9999779095030014, 1e-15);
    }

    [Fact]
    public void Forward_ZeroAndLargeInputs_AreExact()
    {
        float[] y = new GELU().Forward(Tensor.FromArray([0f, 20f, -20f, float.PositiveInfinity], 4)).ToArray();

        y.Should().Equal(0f, 20f, -0f, float.PositiveInfinity);
    }

    [Fact]
    public void Constructor_UnknownApproximation_ThrowsLikeTorch()
    {
        Action act = () => _ = new GELU("fast");

        act.ShouldThrowNaming<ArgumentException>("GELU", "approximate argument must be either none or tanh", "fast");
    }

    [Theory]
    [InlineData("none", "GELU(approximate='none')")]
    [InlineData("tanh", "GELU(approximate='tanh')")]
    public void ToString_IsTorchsRepr(string approximate, string repr) => new GELU(approximate).ToString().Should().Be(repr);
}
