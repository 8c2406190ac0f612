using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class Dropout2dTests
{
    [Theory]
    [InlineData(new[] { 8, 16, 5, 4 })]
    [InlineData(new[] { 64, 3, 3 })]
    public void Forward_Training_ZeroesOrScalesWholeChannels(int[] shape)
    {
        const float P = 0.25f;
        var layer = new Dropout2d(P, new Random(11));
        Tensor x = Arrays.Random(new Random(12), shape);

        float[] y = layer.Forward(x).ToArray();

        float[] xs = x.ToArray();
        int plane = shape[^1] * shape[^2], planes = xs.Length / plane, dropped = 0;
        for (int p = 0; p < planes; p++)
        {
            bool zero = y[p * plane] == 0f;
            dropped += zero ? 1 : 0;
            for (int i = p * plane; i < (p + 1) * plane; i++)
            {
                y[i].Should().BeApproximately(zero ? 0f : xs[i] / (1 - P), 1e-6f, $"plane {p} is dropped or kept as a whole");
            }
        }

        dropped.Should().BeInRange(1, planes - 1, "with p = 0.25 over 64+ planes some are dropped and some kept");
    }

    [Fact]
    public void Backward_UsesTheForwardsChannelMask()
    {
        var layer = new Dropout2d(0.5f, new Random(13));
        Tensor x = Arrays.Random(new Random(14), 2, 6, 3, 3);
        float[] y = layer.Forward(x).ToArray();
        Tensor dy = Arrays.Random(new Random(15), 2, 6, 3, 3);

        float[] dx = layer.Backward(dy).ToArray();

        float[] xs = x.ToArray(), dys = dy.ToArray();
        for (int i = 0; i < dx.Length; i++)
        {
            dx[i].Should().BeApproximately(dys[i] * (y[i] / xs[i]), 1e-5f);
        }
    }

    [Fact]
    public void Forward_EvaluationMode_ReturnsTheInputItself()
    {
        var layer = new Dropout2d();
        layer.Eval();
        var x = new Tensor(1, 2, 3, 3);

        layer.Forward(x).Should().BeSameAs(x);
    }

    [Fact]
    public void Forward_RankTwo_ThrowsWithExpectedAndActual()
    {
        Action act = () => new Dropout2d().Forward(new Tensor(4, 5));

        act.ShouldThrowNaming<ArgumentException>("Dropout2d(p=0.5)", "[N, C, H, W]", "[C, H, W]", "[4, 5]");
    }

    [Fact]
    public void Constructor_PAboveOne_Throws()
    {
        Action act = () => _ = new Dropout2d(2f);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("Dropout2d", "between 0 and 1", "2");
    }
}
