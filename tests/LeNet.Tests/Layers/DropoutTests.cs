using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>Dropout's semantics (torch's masks come from its own generator, so the checks are of the rule, not the bits).</summary>
public class DropoutTests
{
    [Fact]
    public void Forward_EvaluationMode_ReturnsTheInputItself()
    {
        var layer = new Dropout(0.5f, new Random(1));
        layer.Eval();
        Tensor x = Arrays.Random(new Random(2), 4, 5);

        layer.Forward(x).Should().BeSameAs(x);
    }

    [Theory]
    [InlineData(0.3f)]
    [InlineData(0.5f)]
    [InlineData(0.9f)]
    public void Forward_Training_ZeroesAboutPAndScalesTheRestByOneOverOneMinusP(float p)
    {
        var layer = new Dropout(p, new Random(3));
        Tensor x = Arrays.Random(new Random(4), 100, 100);

        float[] y = layer.Forward(x).ToArray();

        float[] xs = x.ToArray();
        int zeros = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] == 0f)
            {
                zeros++;
            }
            else
            {
                y[i].Should().BeApproximately(xs[i] / (1 - p), 1e-6f * Math.Abs(xs[i] / (1 - p)));
            }
        }

        // 10 000 Bernoulli(p) draws: the share of zeros is within ±0.03 of p (more than 6 standard deviations).
        ((double)zeros / y.Length).Should().BeApproximately(p, 0.03);
    }

    [Fact]
    public void Backward_UsesTheForwardsMask()
    {
        var layer = new Dropout(0.4f, new Random(5));
        Tensor x = Arrays.Random(new Random(6), 50, 20);
        float[] y = layer.Forward(x).ToArray();
        Tensor dy = Arrays.Random(new Random(7), 50, 20);

        float[] dx = layer.Backward(dy).ToArray();

        float[] xs = x.ToArray(), dys = dy.ToArray();
        for (int i = 0; i < dx.Length; i++)
        {
            // y = x · m, so ∂L/∂x = dy · m with m = y / x.
            dx[i].Should().BeApproximately(dys[i] * (y[i] / xs[i]), 1e-5f);
        }
    }

    [Fact]
    public void Forward_SameSeed_GivesTheSameMask()
    {
        Tensor x = Arrays.Random(new Random(8), 30, 30);

        float[] first = new Dropout(0.5f, new Random(42)).Forward(x).ToArray();
        float[] second = new Dropout(0.5f, new Random(42)).Forward(x).ToArray();
        float[] other = new Dropout(0.5f, new Random(43)).Forward(x).ToArray();

        second.Should().Equal(first);
        other.Should().NotEqual(first);
    }

    [Fact]
    public void Forward_POne_ZeroesEverythingAndPZero_IsIdentity()
    {
        Tensor x = Arrays.Random(new Random(9), 6, 7);

        new Dropout(1f).Forward(x).ToArray().Should().OnlyContain(v => v == 0f);
        new Dropout(0f).Forward(x).ToArray().Should().Equal(x.ToArray());
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void Constructor_POutsideZeroOne_Throws(float p)
    {
        Action act = () => _ = new Dropout(p);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("Dropout", "between 0 and 1");
    }

    [Fact]
    public void ToString_IsTorchsRepr() => new Dropout().ToString().Should().Be("Dropout(p=0.5)");
}
