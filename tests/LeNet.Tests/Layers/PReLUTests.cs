using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class PReLUTests
{
    [Theory]
    [InlineData("prelu", 1)]
    [InlineData("prelu_3", 3)]
    [InlineData("prelu_3_2d", 3)]
    public void ForwardBackward_TorchCase_MatchesPyTorchIncludingWeightGradient(string name, int numParameters)
    {
        var layer = new PReLU(numParameters);
        bool customWeight = TorchLayersA.Fixture.TryGetValue(name + ".weight", out Tensor? weight);
        weight?.AsSpan().CopyTo(layer.Weight.Value.AsSpan());

        layer.ShouldMatchTorch(name);

        if (customWeight)
        {
            layer.Weight.Gradient.ToArray().Should().BeCloseTo(TorchLayersA.Fixture[name + ".grad_weight"].ToArray(), TorchLayersA.Atol, TorchLayersA.Rtol);
        }
    }

    [Fact]
    public void Constructor_Defaults_AreTorchs()
    {
        var layer = new PReLU();

        layer.NumParameters.Should().Be(1);
        layer.Weight.Value.ToArray().Should().Equal(0.25f);
        layer.NamedParameters().Select(p => p.Name).Should().Equal("weight");
        layer.ToString().Should().Be("PReLU(num_parameters=1)");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Backward_Random_MatchesCentralDifferencesForInputAndWeight(int numParameters)
    {
        var random = new Random(7 + numParameters);
        var layer = new PReLU(numParameters);
        for (int c = 0; c < numParameters; c++)
        {
            layer.Weight.Value.AsSpan()[c] = (float)((random.NextDouble() * 2) - 1);
        }

        int[] shape = [2, 3, 4, 3];
        Tensor x = Arrays.Random(random, shape);
        Tensor y = layer.Forward(x);
        Tensor r = Arrays.Random(random, y.Shape.ToArray());

        Tensor dx = layer.Backward(r);

        double[] xd = x.ToDouble(), wd = layer.Weight.Value.ToDouble(), rd = r.ToDouble();
        double Loss() => DoubleReference.Project(NaiveLayersA.PRelu(xd, shape, wd), rd);
        y.ToArray().Should().BeCloseTo(NaiveLayersA.PRelu(xd, shape, wd).Select(v => (float)v).ToArray(), 1e-6);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        layer.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd, Loss), "weight gradient");
    }

    [Fact]
    public void StateDict_InSequential_HasTorchsKeyAndLoads()
    {
        var net = new Sequential(new Tanh(), new PReLU(2), new Dropout(), new Identity());

        net.StateDict().Keys.Should().Equal("1.weight");
        net.LoadStateDict(new Dictionary<string, Tensor> { ["1.weight"] = Tensor.FromArray([0.5f, -2f], 2) });

        ((PReLU)net[1]).Weight.Value.ToArray().Should().Equal(0.5f, -2f);
    }

    [Fact]
    public void Backward_Twice_AccumulatesTheWeightGradient()
    {
        var layer = new PReLU();
        Tensor x = Tensor.FromArray([-2f, 3f], 2);
        layer.Forward(x);
        layer.Backward(Tensor.FromArray([1f, 1f], 2));
        layer.Backward(Tensor.FromArray([1f, 1f], 2));

        layer.Weight.Gradient.ToArray().Should().Equal(-4f);
    }

    [Fact]
    public void Forward_ChannelMismatch_ThrowsWithExpectedAndActual()
    {
        var layer = new PReLU(3);

        Action act = () => layer.Forward(new Tensor(2, 4, 5));

        act.ShouldThrowNaming<ArgumentException>("PReLU(num_parameters=3)", "expected 3 channels", "got 4", "[2, 4, 5]");
    }

    [Fact]
    public void Forward_RankOneWithSeveralSlopes_Throws()
    {
        Action act = () => new PReLU(3).Forward(new Tensor(3));

        act.ShouldThrowNaming<ArgumentException>("PReLU(num_parameters=3)", "rank 2 or more", "[3]");
    }

    [Fact]
    public void Constructor_ZeroParameters_Throws()
    {
        Action act = () => _ = new PReLU(0);

        act.ShouldThrowNaming<ArgumentOutOfRangeException>("PReLU", "numParameters");
    }
}
