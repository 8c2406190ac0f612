using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>
/// Every layer's Backward against central differences of an independent double-precision forward
/// (<see cref="DoubleReference"/>), through the scalar loss L = Σ r·layer(x) with random r, so ∂L/∂y = r.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, bool> ConvConfigurations => new()
    {
        { 2, 1, 3, 6, 6, 3, 1, 1, true },
        { 1, 2, 2, 7, 5, 3, 2, 0, true },
        { 2, 3, 2, 5, 5, 2, 1, 2, false },
        { 1, 1, 2, 8, 8, 5, 1, 2, true },
        { 3, 2, 1, 6, 7, 3, 3, 1, true },
        { 17, 1, 2, 4, 4, 3, 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(ConvConfigurations))]
    public void Conv2d_Backward_MatchesCentralDifferences(int n, int c, int o, int h, int w, int k, int s, int p, bool bias)
    {
        var random = new Random(n * 100 + c * 10 + o + h + w + k + s + p);
        var conv = new Conv2d(c, o, k, stride: s, padding: p, bias: bias, random: random);
        Tensor x = Arrays.Random(random, n, c, h, w);
        Tensor y = conv.Forward(x);
        Tensor r = Arrays.Random(random, y.Shape.ToArray());

        Tensor dx = conv.Backward(r);

        double[] xd = x.ToDouble(), wd = conv.Weight.Value.ToDouble(), bd = bias ? conv.Bias!.Value.ToDouble() : [], rd = r.ToDouble();
        double Loss() => DoubleReference.Project(DoubleReference.Conv2d(xd, n, c, h, w, wd, bias ? bd : null, o, k, s, p), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        conv.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd, Loss), "weight gradient");
        if (bias)
        {
            conv.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd, Loss), "bias gradient");
        }
    }

    [Theory]
    [InlineData(2, 3, 6, 6, 2, 2, false)]
    [InlineData(1, 2, 7, 5, 3, 1, false)]
    [InlineData(2, 2, 5, 7, 3, 2, false)]
    [InlineData(2, 3, 6, 6, 2, 2, true)]
    [InlineData(1, 2, 7, 5, 3, 1, true)]
    [InlineData(2, 2, 5, 7, 3, 2, true)]
    public void Pool2d_Backward_MatchesCentralDifferences(int n, int c, int h, int w, int k, int s, bool max)
    {
        var random = new Random(n + c + h + w + k + s + (max ? 50 : 0));
        Pool2d pool = max ? new MaxPool2d(k, s) : new AvgPool2d(k, s);
        Tensor x = Arrays.Random(random, n, c, h, w);
        Tensor r = Arrays.Random(random, pool.Forward(x).Shape.ToArray());

        Tensor dx = pool.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        double[] numerical = DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(DoubleReference.Pool2d(xd, n, c, h, w, k, s, max), rd));
        dx.ToArray().ShouldMatchNumerical(numerical, $"{pool} input gradient");
    }

    [Fact]
    public void MaxPool2d_Backward_TieGoesToFirstElement_LikeTorch()
    {
        var pool = new MaxPool2d(2);
        pool.Forward(Tensor.FromArray([3, 3, 1, 3], 1, 1, 2, 2));

        Tensor dx = pool.Backward(Tensor.FromArray([5f], 1, 1, 1, 1));

        dx.ToArray().Should().Equal(5f, 0f, 0f, 0f);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MaxPool2d_Backward_NaNWinsTheWindow_LikeTorch(int stride)
    {
        var pool = new MaxPool2d(2, stride);
        pool.Forward(Tensor.FromArray([1, float.NaN, 5, 2], 1, 1, 2, 2));

        Tensor dx = pool.Backward(Tensor.FromArray([3f], 1, 1, 1, 1));

        dx.ToArray().Should().Equal(0f, 3f, 0f, 0f);
    }

    [Theory]
    [InlineData(4, 7, 3, true)]
    [InlineData(1, 5, 1, false)]
    [InlineData(33, 20, 18, true)]
    public void Linear_Backward_MatchesCentralDifferences(int rows, int inF, int outF, bool bias)
    {
        var random = new Random(rows + inF + outF);
        var linear = new Linear(inF, outF, bias, random);
        Tensor x = Arrays.Random(random, rows, inF);
        linear.Forward(x);
        Tensor r = Arrays.Random(random, rows, outF);

        Tensor dx = linear.Backward(r);

        double[] xd = x.ToDouble(), wd = linear.Weight.Value.ToDouble(), bd = bias ? linear.Bias!.Value.ToDouble() : [], rd = r.ToDouble();
        double Loss() => DoubleReference.Project(DoubleReference.Linear(xd, rows, inF, wd, bias ? bd : null, outF), rd);
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        linear.Weight.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd, Loss), "weight gradient");
        if (bias)
        {
            linear.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd, Loss), "bias gradient");
        }
    }

    [Fact]
    public void Sigmoid_Backward_MatchesCentralDifferences()
    {
        var random = new Random(3);
        Tensor x = Arrays.Random(random, 3, 4, 5);
        x.AsSpan()[0] = 4f;
        var sigmoid = new Sigmoid();
        sigmoid.Forward(x);
        Tensor r = Arrays.Random(random, 3, 4, 5);

        Tensor dx = sigmoid.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(DoubleReference.Sigmoid(xd), rd)), "input gradient");
    }

    [Fact]
    public void ReLU_Backward_MatchesCentralDifferences()
    {
        var random = new Random(4);
        Tensor x = Arrays.Random(random, 5, 37);
        var relu = new ReLU();
        relu.Forward(x);
        Tensor r = Arrays.Random(random, 5, 37);

        Tensor dx = relu.Backward(r);

        double[] xd = x.ToDouble(), rd = r.ToDouble();
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(DoubleReference.ReLU(xd), rd)), "input gradient");
    }

    [Fact]
    public void Activations_LargerThanOneThreadRange_MatchTheFormulaEverywhere()
    {
        // 16 × 6 × 28 × 28 = 75,264 values: three of the 32,768-element ranges the work is split into, the last partial.
        Tensor x = Arrays.Random(new Random(12), 16, 6, 28, 28);
        Tensor dy = Arrays.Random(new Random(13), 16, 6, 28, 28);
        var sigmoid = new Sigmoid();
        var relu = new ReLU();

        float[] s = sigmoid.Forward(x).ToArray(), ds = sigmoid.Backward(dy).ToArray();
        float[] r = relu.Forward(x).ToArray(), dr = relu.Backward(dy).ToArray();

        float[] xs = x.ToArray(), dys = dy.ToArray();
        s.Should().BeCloseTo(xs.Select(NaiveLayers.Sigmoid).ToArray(), atol: 1e-7, rtol: 1e-6);
        ds.Should().BeCloseTo(xs.Select((v, i) => dys[i] * NaiveLayers.Sigmoid(v) * (1 - NaiveLayers.Sigmoid(v))).ToArray(), atol: 1e-7, rtol: 1e-5);
        r.Should().Equal(xs.Select(v => Math.Max(v, 0f)));
        dr.Should().Equal(xs.Select((v, i) => v > 0 ? dys[i] : 0f));
    }

    [Fact]
    public void Flatten_Backward_RestoresTheInputShape()
    {
        var flatten = new Flatten();
        flatten.Forward(new Tensor(2, 3, 2, 2));
        var dy = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 12);

        Tensor dx = flatten.Backward(dy);

        dx.Shape.ToArray().Should().Equal(2, 3, 2, 2);
        dx.ToArray().Should().Equal(dy.ToArray());
    }

    [Fact]
    public void Sequential_Backward_ChainsChildren_MatchesCentralDifferences()
    {
        var random = new Random(7);
        var net = new Sequential(
            new Conv2d(1, 2, 3, padding: 1, random: random),
            new Sigmoid(),
            new AvgPool2d(2),
            new Conv2d(2, 3, 2, random: random),
            new ReLU(),
            new MaxPool2d(2, 1),
            new Flatten(),
            new Linear(3 * 1 * 1, 4, random: random));
        Tensor x = Arrays.Random(random, 2, 1, 6, 6);
        Tensor y = net.Forward(x);
        Tensor r = Arrays.Random(random, y.Shape.ToArray());

        Tensor dx = net.Backward(r);

        var p = net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToDouble());
        double[] xd = x.ToDouble(), rd = r.ToDouble();
        double Loss()
        {
            double[] h = DoubleReference.Conv2d(xd, 2, 1, 6, 6, p["0.weight"], p["0.bias"], 2, 3, 1, 1);
            h = DoubleReference.Pool2d(DoubleReference.Sigmoid(h), 2, 2, 6, 6, 2, 2, max: false);
            h = DoubleReference.Conv2d(h, 2, 2, 3, 3, p["3.weight"], p["3.bias"], 3, 2, 1, 0);
            h = DoubleReference.Pool2d(DoubleReference.ReLU(h), 2, 3, 2, 2, 2, 1, max: true);
            return DoubleReference.Project(DoubleReference.Linear(h, 2, 3, p["7.weight"], p["7.bias"], 4), rd);
        }

        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        foreach ((string name, Parameter parameter) in net.NamedParameters())
        {
            parameter.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(p[name], Loss), name);
        }
    }

    [Fact]
    public void Sequential_BackwardWithoutInputGradient_SameParameterGradientsAndNull()
    {
        Sequential a = LeNet.Models.LeNetFactory.Create(3), b = LeNet.Models.LeNetFactory.Create(3);
        Tensor x = Arrays.Random(new Random(1), 3, 1, 28, 28);
        Tensor r = Arrays.Random(new Random(2), 3, 10);
        a.Forward(x);
        b.Forward(x);

        Tensor? none = a.Backward(r, computeInputGradient: false);
        b.Backward(r);

        none.Should().BeNull();
        foreach (((string name, Parameter pa), (_, Parameter pb)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            pa.Gradient.ToArray().Should().Equal(pb.Gradient.ToArray(), name);
        }
    }

    [Fact]
    public void ReuseBuffers_OnlyWhenSet_ResultsAliasAcrossCalls()
    {
        var sigmoid = new Sigmoid();
        var x = new Tensor(2, 3);

        sigmoid.Forward(x).Should().NotBeSameAs(sigmoid.Forward(x), "by default every call returns a new tensor");
        sigmoid.SetReuseBuffers(true);
        sigmoid.Forward(x).Should().BeSameAs(sigmoid.Forward(x));
        sigmoid.SetReuseBuffers(false);
        sigmoid.Forward(x).Should().NotBeSameAs(sigmoid.Forward(x));
    }

    public static TheoryData<string> ReusableLayers => new() { "conv", "avgpool", "maxpool", "linear" };

    [Theory]
    [MemberData(nameof(ReusableLayers))]
    public void Backward_WithReusedBuffers_SecondCallEqualsAFreshLayer(string kind)
    {
        // Layers that overwrite (rather than clear and add into) their reused buffers must leave nothing
        // of the previous call behind.
        Func<Layer> create = kind switch
        {
            "conv" => () => new Conv2d(2, 3, 3, padding: 1, random: new Random(1)),
            "avgpool" => () => new AvgPool2d(2),
            "maxpool" => () => new MaxPool2d(2),
            _ => () => new Linear(36, 5, random: new Random(1)),
        };
        int[] inShape = kind == "linear" ? [4, 36] : [4, 2, 6, 6];
        Layer reused = create(), fresh = create();
        reused.SetReuseBuffers(true);
        Tensor x1 = Arrays.Random(new Random(2), inShape), x2 = Arrays.Random(new Random(3), inShape);
        Tensor y1 = reused.Forward(x1);
        reused.Backward(Arrays.Random(new Random(4), y1.Shape.ToArray()));

        reused.ZeroGrad();
        reused.Forward(x2);
        fresh.Forward(x2);
        Tensor g = Arrays.Random(new Random(5), y1.Shape.ToArray());
        float[] second = reused.Backward(g).ToArray();

        second.Should().Equal(fresh.Backward(g).ToArray());
        foreach (((string name, Parameter a), (_, Parameter b)) in reused.NamedParameters().Zip(fresh.NamedParameters()))
        {
            a.Gradient.ToArray().Should().Equal(b.Gradient.ToArray(), name);
        }
    }

    [Fact]
    public void Backward_Twice_AccumulatesAndZeroGradClears()
    {
        var random = new Random(8);
        var linear = new Linear(3, 2, random: random);
        linear.Forward(Arrays.Random(random, 4, 3));
        Tensor r = Arrays.Random(random, 4, 2);
        linear.Backward(r);
        float[] once = linear.Weight.Gradient.ToArray();

        linear.Backward(r);

        linear.Weight.Gradient.ToArray().Should().BeCloseTo(once.Select(v => v + v).ToArray(), atol: 0, rtol: 1e-6);
        linear.ZeroGrad();
        linear.Weight.Gradient.ToArray().Should().OnlyContain(v => v == 0f);
        linear.Bias!.Gradient.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void Backward_AfterEvalForward_ThrowsNamingLayer()
    {
        var conv = new Conv2d(1, 2, 3);
        conv.Eval();
        conv.Forward(new Tensor(1, 1, 5, 5));

        Action act = () => conv.Backward(new Tensor(1, 2, 3, 3));

        act.Should().Throw<InvalidOperationException>().WithMessage("Conv2d(1→2, k=3): Backward needs a Forward in training mode first*");
    }

    [Fact]
    public void Backward_WrongGradientShape_ThrowsWithBothShapes()
    {
        var pool = new AvgPool2d(2);
        pool.Forward(new Tensor(1, 1, 4, 4));

        Action act = () => pool.Backward(new Tensor(1, 1, 3, 3));

        act.Should().Throw<ArgumentException>().WithMessage("AvgPool2d(k=2, stride=2): expected an output gradient of the last output's shape [1, 1, 2, 2], got [1, 1, 3, 3]*");
    }

    [Fact]
    public void TrainEval_Sequential_PropagatesToChildren()
    {
        var net = new Sequential(new Linear(2, 2), new Sequential(new Sigmoid()));

        net.Eval();

        net.IsTraining.Should().BeFalse();
        net[0].IsTraining.Should().BeFalse();
        ((Sequential)net[1])[0].IsTraining.Should().BeFalse();
        net.Train();
        ((Sequential)net[1])[0].IsTraining.Should().BeTrue();
    }
}
