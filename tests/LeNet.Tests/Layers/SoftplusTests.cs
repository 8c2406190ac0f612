using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SoftplusTests
{
    [Theory]
    [InlineData("softplus", 1f, 20f)]
    [InlineData("softplus_2_5", 2f, 5f)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, float beta, float threshold) => new Softplus(beta, threshold).ShouldMatchTorch(name);

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new Softplus(1.5f, 4f).ShouldMatchCentralDifferences([5, 7], x => NaiveLayersA.Map(x, v => NaiveLayersA.Softplus(v, 1.5, 4)), seed: 6, scale: 2);

    [Fact]
    public void Forward_AboveThreshold_IsLinearAndVeryNegativeIsTinyPositive()
    {
        // 68 values: the vector body (any width up to 64) and the scalar tail both see every case.
        float[] cases = [21f, 100f, -30f, 0f];
        Tensor x = Tensor.FromArray(Enumerable.Range(0, 68).Select(i => cases[i % 4]).ToArray(), 68);

        float[] y = new Softplus().Forward(x).ToArray();

        for (int i = 0; i < y.Length; i += 4)
        {
            y[i..(i + 2)].Should().Equal(21f, 100f);
            y[i + 2].Should().BeApproximately((float)Math.Exp(-30), 1e-18f, "log(1 + u) keeps a tiny u");
            y[i + 3].Should().BeApproximately(MathF.Log(2f), 1e-7f);
        }
    }

    [Fact]
    public void Constructor_ZeroBeta_Throws()
    {
        Action act = () => _ = new Softplus(beta: 0f);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("Softplus", "beta");
    }
}
