using LeNet.Cli;
using LeNet.Layers;

namespace LeNet.Tests.Cli;

/// <summary>
/// A colour-image classifier small enough to reason about, standing in for torchvision's architectures in the CLI's
/// tests (<c>--model torchvision:tiny</c> through an injected <see cref="ModelCatalog"/>): an identity 1×1
/// convolution (so the state dict holds a [3, 3, 1, 1] weight, as a colour model's first convolution), global
/// average pooling, and a linear layer, so the logits are <c>W · m + b</c> with <c>m</c> the picture's mean
/// normalized colour. Keys: <c>features.0.weight</c>, <c>features.0.bias</c>, <c>fc.weight</c>, <c>fc.bias</c>.
/// </summary>
internal sealed class TinyClassifier : Module
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Flatten _flatten;
    private readonly Linear _fc;

    public TinyClassifier(int numClasses)
    {
        var conv = new Conv2d(3, 3, 1);
        conv.Weight.Value.AsSpan().Clear();
        conv.Bias!.Value.AsSpan().Clear();
        for (int c = 0; c < 3; c++)
        {
            conv.Weight.Value.AsSpan()[(c * 3) + c] = 1f;
        }

        _features = Register("features", new Sequential(conv));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d(1));
        _flatten = Register("flatten", new Flatten());
        _fc = Register("fc", new Linear(3, numClasses));
        Span<float> weight = _fc.Weight.Value.AsSpan(), bias = _fc.Bias!.Value.AsSpan();
        for (int k = 0; k < numClasses; k++)
        {
            (weight[3 * k], weight[(3 * k) + 1], weight[(3 * k) + 2], bias[k]) = Row(k);
        }
    }

    /// <summary>The catalog the tests inject: <c>tiny</c> is this class; any other name is unknown.</summary>
    public static ModelCatalog Catalog { get; } = new(
        (name, classes) => name == "tiny" ? new TinyClassifier(classes) : throw new ArgumentException($"no architecture named '{name}'", nameof(name)),
        () => ["tiny"]);

    /// <summary>Class k's weights on the mean normalized red, green and blue, and its bias.</summary>
    public static (float R, float G, float B, float Bias) Row(int k) => ((k % 4) - 1.5f, 0.25f * k, -0.5f, 0.1f * k);

    /// <summary>The probabilities this model gives a picture of one colour, from the formula (double precision).</summary>
    public static double[] Probabilities(int numClasses, (byte R, byte G, byte B) colour, double[]? mean = null, double[]? std = null)
    {
        mean ??= [0.485, 0.456, 0.406];
        std ??= [0.229, 0.224, 0.225];
        double r = ((colour.R / 255.0) - mean[0]) / std[0], g = ((colour.G / 255.0) - mean[1]) / std[1], b = ((colour.B / 255.0) - mean[2]) / std[2];
        double[] logits = [.. Enumerable.Range(0, numClasses).Select(k => Row(k)).Select(w => (w.R * r) + (w.G * g) + (w.B * b) + w.Bias)];
        double max = logits.Max();
        double[] e = [.. logits.Select(z => Math.Exp(z - max))];
        return [.. e.Select(v => v / e.Sum())];
    }

    protected override Tensor ForwardCore(Tensor input) => _fc.Forward(_flatten.Forward(_avgpool.Forward(_features.Forward(input))));
}
