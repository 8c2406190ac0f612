using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class TanhTests
{
    [Fact]
    public void ForwardBackward_TorchCase_MatchesPyTorch() => new Tanh().ShouldMatchTorch("tanh");

    [Fact]
    public void Backward_Random_MatchesCentralDifferences() =>
        new Tanh().ShouldMatchCentralDifferences([2, 3, 5], x => NaiveLayersA.Map(x, Math.Tanh), seed: 1, scale: 2);

    [Fact]
    public void ForwardBackward_SeveralParallelRanges_MatchTheFormula()
    {
        var layer = new Tanh();
        Tensor x = Arrays.Random(new Random(91), 100_003);
        Tensor dy = Arrays.Random(new Random(92), 100_003);

        float[] y = layer.Forward(x).ToArray();
        float[] dx = layer.Backward(dy).ToArray();

        y.Should().BeCloseTo(x.ToArray().Select(v => (float)Math.Tanh(v)).ToArray(), 1e-6, 1e-5);
        dx.Should().BeCloseTo(x.ToArray().Zip(dy.ToArray(), (v, g) => (float)(g * (1 - (Math.Tanh(v) * Math.Tanh(v))))).ToArray(), 1e-6, 1e-5);
    }

    [Fact]
    public void Forward_LargeInputs_SaturateAtPlusMinusOne()
    {
        Tensor y = new Tanh().Forward(Tensor.FromArray([-100f, 0f, 100f], 3));

        y.ToArray().Should().Equal(-1f, 0f, 1f);
    }

    [Fact]
    public void Backward_WithoutTrainingForward_ThrowsNamingTheLayer()
    {
        var tanh = new Tanh();
        tanh.Eval();
        tanh.Forward(new Tensor(2, 2));

        Action act = () => tanh.Backward(new Tensor(2, 2));

        act.ShouldThrowNaming<InvalidOperationException>("Tanh()", "Forward in training mode");
    }

    [Fact]
    public void Backward_WrongGradientShape_ThrowsWithExpectedAndActual()
    {
        var tanh = new Tanh();
        tanh.Forward(new Tensor(2, 3));

        Action act = () => tanh.Backward(new Tensor(3, 2));

        act.ShouldThrowNaming<ArgumentException>("Tanh()", "[2, 3]", "[3, 2]");
    }
}
