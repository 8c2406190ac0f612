using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

[Collection(SerialTestGroup.Name)]
public class LayerNormTests
{
    [Theory]
    [InlineData("layer_norm_5", new[] { 5 }, 1e-5f, true)]
    [InlineData("layer_norm_34", new[] { 3, 4 }, 1e-5f, true)]
    [InlineData("layer_norm_no_affine", new[] { 6 }, 1e-5f, false)]
    [InlineData("layer_norm_eps", new[] { 7 }, 1e-3f, true)]
    [InlineData("layer_norm_offset", new[] { 64 }, 1e-5f, true)]
    [InlineData("layer_norm_wide", new[] { 300 }, 1e-5f, true)]
    public void ForwardBackward_TorchCase_MatchesPyTorch(string name, int[] shape, float eps, bool affine) =>
        new LayerNorm(shape, eps, affine).ShouldMatchTorchC(name);

    [Theory]
    [InlineData(new[] { 2, 5 }, new[] { 5 }, true)]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 4 }, true)]
    [InlineData(new[] { 3, 2, 7 }, new[] { 7 }, false)]
    [InlineData(new[] { 6 }, new[] { 6 }, true)]
    public void Backward_Random_MatchesCentralDifferencesForInputWeightAndBias(int[] inputShape, int[] normalizedShape, bool affine)
    {
        var random = new Random(inputShape.Sum() + normalizedShape.Length);
        var layer = new LayerNorm(normalizedShape, eps: 1e-3f, elementwiseAffine: affine);
        if (affine)
        {
            Arrays.Random(random, normalizedShape).AsReadOnlySpan().CopyTo(layer.Weight!.Value.AsSpan());
            Arrays.Random(random, normalizedShape).AsReadOnlySpan().CopyTo(layer.Bias!.Value.AsSpan());
        }

        Tensor x = Arrays.Random(random, inputShape);
        Tensor y = layer.Forward(x);
        Tensor r = Arrays.Random(random, inputShape);

        Tensor dx = layer.Backward(r);

        int size = normalizedShape.Aggregate(1, (a, b) => a * b);
        double[] xd = x.ToDouble(), rd = r.ToDouble();
        double[]? wd = layer.Weight?.Value.ToDouble(), bd = layer.Bias?.Value.ToDouble();
        double Loss() => DoubleReference.Project(NaiveLayersC.LayerNorm(xd, size, wd, bd, 1e-3), rd);
        y.ToArray().Should().BeCloseTo([.. NaiveLayersC.LayerNorm(xd, size, wd, bd, 1e-3).Select(v => (float)v)], 1e-6, 1e-6, "forward vs the double oracle");
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, Loss), "input gradient");
        if (affine)
        {
            layer.Weight!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(wd!, Loss), "weight gradient");
            layer.Bias!.Gradient.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(bd!, Loss), "bias gradient");
        }
    }

    [Fact]
    public void Fixture_LargeOffset_Float32PyTorchIsFarFromItsOwnFloat64()
    {
        // Why layer_norm_offset is checked against float64 PyTorch: float32 PyTorch's x·rstd − mean·rstd keeps 1e-3.
        SafeTensorsFile f = TorchLayersC.Fixture;
        float[] float32 = f["layer_norm_offset.output"].ToArray(), float64 = f["layer_norm_offset.output_f64"].ToArray();

        float32.Zip(float64, (a, b) => Math.Abs(a - b)).Max().Should().BeGreaterThan(1e-4f);
    }

    [Fact]
    public void Forward_LargeOffsetSmallSpread_KeepsTheVarianceAccurate()
    {
        // Values 1000 + (i − 2) · 1e-3: a one-pass Σx² − (Σx)² formula in float would lose the variance entirely.
        var layer = new LayerNorm(5, elementwiseAffine: false);
        double[] x = [.. Enumerable.Range(0, 5).Select(i => 1000 + ((i - 2) * 1e-3))];
        Tensor input = Tensor.FromArray([.. x.Select(v => (float)v)], 1, 5);

        float[] y = layer.Forward(input).ToArray();

        y.Should().BeCloseTo([.. NaiveLayersC.LayerNorm(input.ToDouble(), 5, null, null, 1e-5).Select(v => (float)v)], 1e-6, 1e-6);
    }

    [Fact]
    public void Backward_Twice_AccumulatesParameterGradients()
    {
        var layer = new LayerNorm(4);
        Tensor x = Arrays.Random(new Random(3), 3, 4), dy = Arrays.Random(new Random(4), 3, 4);
        layer.Forward(x);
        layer.Backward(dy);
        float[] weightOnce = layer.Weight!.Gradient.ToArray(), biasOnce = layer.Bias!.Gradient.ToArray();

        layer.Forward(x);
        layer.Backward(dy);

        layer.Weight.Gradient.ToArray().Should().BeCloseTo([.. weightOnce.Select(g => 2 * g)], 1e-6);
        layer.Bias.Gradient.ToArray().Should().BeCloseTo([.. biasOnce.Select(g => 2 * g)], 1e-6);
    }

    [Fact]
    public void ForwardBackward_LargeInput_IsBitIdenticalForAnyThreadCount()
    {
        // 128 rows of 384: past the parallel threshold, in 4 blocks of rows.
        Tensor x = Arrays.Random(new Random(10), 64, 2, 384), dy = Arrays.Random(new Random(11), 64, 2, 384);
        (float[] Y, float[] Dx, float[] Dw, float[] Db) Run(int threads)
        {
            int saved = Parallelism.MaxDegreeOfParallelism;
            try
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                var layer = new LayerNorm(384);
                Arrays.Random(new Random(12), 384).AsReadOnlySpan().CopyTo(layer.Weight!.Value.AsSpan());
                float[] y = layer.Forward(x).ToArray();
                float[] dx = layer.Backward(dy).ToArray();
                return (y, dx, layer.Weight.Gradient.ToArray(), layer.Bias!.Gradient.ToArray());
            }
            finally
            {
                Parallelism.MaxDegreeOfParallelism = saved;
            }
        }

        var serial = Run(1);
        var parallel = Run(4);

        parallel.Y.Should().Equal(serial.Y);
        parallel.Dx.Should().Equal(serial.Dx);
        parallel.Dw.Should().Equal(serial.Dw);
        parallel.Db.Should().Equal(serial.Db);
    }

    [Fact]
    public void Constructor_Defaults_ArePyTorchs()
    {
        var layer = new LayerNorm([2, 3]);

        (layer.Eps, layer.ElementwiseAffine, layer.NormalizedSize).Should().Be((1e-5f, true, 6));
        layer.NormalizedShape.Should().Equal(2, 3);
        layer.Weight!.Value.Shape.ToArray().Should().Equal(2, 3);
        layer.Weight.Value.ToArray().Should().AllBeEquivalentTo(1f);
        layer.Bias!.Value.ToArray().Should().AllBeEquivalentTo(0f);
        layer.NamedParameters().Select(p => p.Name).Should().Equal("weight", "bias");
        new LayerNorm(4, elementwiseAffine: false).NamedParameters().Should().BeEmpty();
    }

    [Fact]
    public void StateDict_InSequential_HasTorchsKeys()
    {
        var net = new Sequential(new Linear(3, 4), new LayerNorm(4), new LayerNorm(4, elementwiseAffine: false));

        net.StateDict().Keys.Should().Equal("0.weight", "0.bias", "1.weight", "1.bias");
    }

    [Fact]
    public void BorrowedParameters_AreReadAndAccumulated_ButNotListed()
    {
        var weight = new Parameter(Tensor.FromArray([2f, 0.5f, 1f], 3));
        var bias = new Parameter(Tensor.FromArray([1f, 0f, -1f], 3));
        var owned = new LayerNorm(3);
        weight.Value.AsReadOnlySpan().CopyTo(owned.Weight!.Value.AsSpan());
        bias.Value.AsReadOnlySpan().CopyTo(owned.Bias!.Value.AsSpan());
        var borrowing = new LayerNorm([3], 1e-5f, weight, bias);
        Tensor x = Arrays.Random(new Random(8), 2, 3), dy = Arrays.Random(new Random(9), 2, 3);

        float[] y = borrowing.Forward(x).ToArray();
        borrowing.Backward(dy);
        float[] expected = owned.Forward(x).ToArray();
        owned.Backward(dy);

        y.Should().Equal(expected);
        weight.Gradient.ToArray().Should().Equal(owned.Weight.Gradient.ToArray());
        bias.Gradient.ToArray().Should().Equal(owned.Bias.Gradient.ToArray());
        borrowing.NamedParameters().Should().BeEmpty("the owner registers them");
        borrowing.ElementwiseAffine.Should().BeTrue();
    }

    [Fact]
    public void BorrowedParameters_OfTheWrongShape_Throw()
    {
        Action act = () => _ = new LayerNorm([3], 1e-5f, new Parameter(new Tensor(4)), null);

        act.ShouldThrowNaming<ArgumentException>("LayerNorm", "weight", "[3]", "[4]");
    }

    [Theory]
    [InlineData(new[] { 2, 5 })]
    [InlineData(new[] { 4 })]
    [InlineData(new[] { 5, 3, 4 })]
    public void Forward_WrongTrailingShape_ThrowsNamingLayerExpectedAndActual(int[] inputShape)
    {
        Action act = () => new LayerNorm([4, 3]).Forward(new Tensor(inputShape));

        act.ShouldThrowNaming<ArgumentException>("LayerNorm((4, 3), eps=1e-05, elementwise_affine=True)", "[*, 4, 3]", Tensor.FormatShape(inputShape));
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 3, 0 })]
    public void Constructor_BadShape_Throws(int[] shape)
    {
        Action act = () => _ = new LayerNorm(shape);

        act.ShouldThrowNaming<ArgumentException>("LayerNorm", "normalized_shape");
    }

    [Fact]
    public void Backward_WithoutTrainingForward_Throws()
    {
        var layer = new LayerNorm(3);
        layer.Eval();
        layer.Forward(new Tensor(2, 3));

        Action act = () => layer.Backward(new Tensor(2, 3));

        act.Should().Throw<InvalidOperationException>().WithMessage("*LayerNorm((3,)*Train()*");
    }

    [Theory]
    [InlineData(new[] { 4 }, 1e-5f, true, "LayerNorm((4,), eps=1e-05, elementwise_affine=True)")]
    [InlineData(new[] { 3, 4 }, 1e-6f, false, "LayerNorm((3, 4), eps=1e-06, elementwise_affine=False)")]
    [InlineData(new[] { 4 }, 1e-3f, true, "LayerNorm((4,), eps=0.001, elementwise_affine=True)")]
    [InlineData(new[] { 4 }, 1e-4f, true, "LayerNorm((4,), eps=0.0001, elementwise_affine=True)")]
    public void ToString_IsTorchsRepr(int[] shape, float eps, bool affine, string repr) => new LayerNorm(shape, eps, affine).ToString().Should().Be(repr);
}
