using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

/// <summary>
/// The part-A layers against real PyTorch 1.13.1 (Golden/torchnn/layers_a.safetensors, written by make_layers_a.py
/// beside it), and against central differences of a double-precision oracle (<see cref="NaiveLayersA"/>).
/// </summary>
public static class TorchLayersA
{
    public const double Atol = 1e-5, Rtol = 1e-4;

    private static readonly Lazy<SafeTensorsFile> File = new(() =>
        SafeTensors.Read(Path.Combine(AppContext.BaseDirectory, "Golden", "torchnn", "layers_a.safetensors")));

    public static SafeTensorsFile Fixture => File.Value;

    /// <summary>Runs the layer on the case's input and output gradient; asserts output and input gradient match PyTorch's.</summary>
    public static void ShouldMatchTorch(this Layer layer, string name)
    {
        SafeTensorsFile f = Fixture;
        f.Metadata.Should().ContainKey(name, "the fixture holds this case");
        Tensor input = f[name + ".input"];

        Tensor output = layer.Forward(input);
        Tensor inputGradient = layer.Backward(f[name + ".grad_output"]);

        output.Shape.ToArray().Should().Equal(f[name + ".output"].Shape.ToArray(), $"{layer} vs torch {f.Metadata[name]}: output shape");
        output.ToArray().Should().BeCloseTo(f[name + ".output"].ToArray(), Atol, Rtol, $"{layer} vs torch {f.Metadata[name]}: output");
        inputGradient.Shape.ToArray().Should().Equal(input.Shape.ToArray());
        inputGradient.ToArray().Should().BeCloseTo(f[name + ".grad_input"].ToArray(), Atol, Rtol, $"{layer} vs torch {f.Metadata[name]}: input gradient");
    }

    /// <summary>
    /// Forward against the double oracle, and Backward against central differences of Σ r·oracle(x) for random r,
    /// on a random input of the given shape (scaled by <paramref name="scale"/>).
    /// </summary>
    public static void ShouldMatchCentralDifferences(this Layer layer, int[] shape, Func<double[], double[]> oracle, int seed, double scale = 1)
    {
        var random = new Random(seed);
        Tensor x = Arrays.Random(random, shape);
        TensorPrimitivesScale(x, scale);
        double[] xd = x.ToDouble();

        Tensor y = layer.Forward(x);
        Tensor r = Arrays.Random(random, y.Shape.ToArray());
        Tensor dx = layer.Backward(r);

        double[] expected = oracle(xd);
        y.ToArray().Should().BeCloseTo(expected.Select(v => (float)v).ToArray(), 1e-5, 1e-5, $"{layer} forward vs the double oracle");
        double[] rd = r.ToDouble();
        dx.ToArray().ShouldMatchNumerical(DoubleReference.NumericalGradient(xd, () => DoubleReference.Project(oracle(xd), rd)), $"{layer} input gradient");
    }

    private static void TensorPrimitivesScale(Tensor x, double scale)
    {
        Span<float> span = x.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)(span[i] * scale);
        }
    }

    /// <summary>Asserts an action throws an ArgumentException whose message contains every fragment.</summary>
    public static void ShouldThrowNaming<TException>(this Action act, params string[] fragments)
        where TException : Exception
    {
        var thrown = act.Should().Throw<TException>().Which;
        foreach (string fragment in fragments)
        {
            thrown.Message.Should().Contain(fragment);
        }
    }
}
