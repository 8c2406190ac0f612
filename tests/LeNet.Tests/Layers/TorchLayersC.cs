using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Tests.Layers;

/// <summary>
/// The part-C layers (ReLU6, Hardsigmoid, Hardswish, SiLU, GELU, LayerNorm, StochasticDepth, Flatten with any range)
/// against real PyTorch 1.13.1 and torchvision 0.14.1 (Golden/torchnn/layers_c.safetensors, written by make_layers_c.py
/// beside it), at 1e-6 absolute + 1e-5 relative.
/// </summary>
public static class TorchLayersC
{
    public const double Atol = 1e-6, Rtol = 1e-5;

    private static readonly Lazy<SafeTensorsFile> File = new(() =>
        SafeTensors.Read(Path.Combine(AppContext.BaseDirectory, "Golden", "torchnn", "layers_c.safetensors")));

    public static SafeTensorsFile Fixture => File.Value;

    /// <summary>
    /// Runs the layer on the case's input (with PyTorch's weight and bias for a LayerNorm case) and asserts output,
    /// input gradient and parameter gradients match PyTorch's; returns the largest difference seen, absolute and divided by
    /// max(1, |PyTorch's value|). A case
    /// recorded in evaluation mode ("(eval)") checks the forward only; a case that holds PyTorch's float64 results
    /// (<c>.output_f64</c> …, where float32 PyTorch loses digits) is checked against those.
    /// </summary>
    public static (double Absolute, double Scaled) ShouldMatchTorchC(this Layer layer, string name)
    {
        SafeTensorsFile f = Fixture;
        f.Metadata.Should().ContainKey(name, "the fixture holds this case");
        string torch = f.Metadata[name];
        Tensor input = f[name + ".input"];
        if (layer is LayerNorm { Weight: { } weight, Bias: { } bias })
        {
            f[name + ".weight"].AsReadOnlySpan().CopyTo(weight.Value.AsSpan());
            f[name + ".bias"].AsReadOnlySpan().CopyTo(bias.Value.AsSpan());
        }

        bool evaluation = torch.EndsWith(" (eval)", StringComparison.Ordinal);
        string suffix = f.ContainsKey(name + ".output_f64") ? "_f64" : "";
        torch += suffix.Length > 0 ? " in float64" : "";
        layer.Train(!evaluation);

        Tensor output = layer.Forward(input);
        (double, double) worst = Compare(output, f[name + ".output" + suffix], $"{layer} vs torch {torch}: output");
        if (evaluation)
        {
            return worst;
        }

        Tensor inputGradient = layer.Backward(f[name + ".grad_output"]);
        worst = Max(worst, Compare(inputGradient, f[name + ".grad_input" + suffix], $"{layer} vs torch {torch}: input gradient"));
        if (layer is LayerNorm { Weight: { } w, Bias: { } b })
        {
            worst = Max(worst, Compare(w.Gradient, f[name + ".grad_weight" + suffix], $"{layer} vs torch {torch}: weight gradient"));
            worst = Max(worst, Compare(b.Gradient, f[name + ".grad_bias" + suffix], $"{layer} vs torch {torch}: bias gradient"));
        }

        return worst;
    }

    private static (double Absolute, double Scaled) Compare(Tensor actual, Tensor expected, string what)
    {
        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray(), what + " shape");
        actual.ToArray().Should().BeCloseTo(expected.ToArray(), Atol, Rtol, what);
        double[] differences = [.. actual.ToArray().Zip(expected.ToArray(), (a, e) => Math.Abs((double)a - e))];
        double[] scaled = [.. differences.Zip(expected.ToArray(), (d, e) => d / Math.Max(1, Math.Abs(e)))];
        return (differences.DefaultIfEmpty().Max(), scaled.DefaultIfEmpty().Max());
    }

    private static (double, double) Max((double, double) a, (double, double) b) => (Math.Max(a.Item1, b.Item1), Math.Max(a.Item2, b.Item2));

    /// <summary>
    /// The layer's output and gradient (for dy = 1) at <paramref name="x"/>, from a tensor of 68 copies so the kernels'
    /// vector body (any width up to 64) and scalar tail both compute it; asserts every copy agrees.
    /// </summary>
    public static (float Y, float Dx) AtPoint(this Layer layer, float x)
    {
        const int Copies = 68;
        Tensor input = Tensor.FromArray(Enumerable.Repeat(x, Copies).ToArray(), 4, 17);
        layer.Train();
        float[] y = layer.Forward(input).ToArray();
        float[] dx = layer.Backward(Tensor.FromArray(Enumerable.Repeat(1f, Copies).ToArray(), 4, 17)).ToArray();
        y.Should().AllBeEquivalentTo(y[0], $"{layer} at {x:R}: the vector body and the scalar tail agree");
        dx.Should().AllBeEquivalentTo(dx[0], $"{layer}' at {x:R}: the vector body and the scalar tail agree");
        return (y[0], dx[0]);
    }
}
