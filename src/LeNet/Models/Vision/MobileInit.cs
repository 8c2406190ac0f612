using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// What MobileNetV2, MobileNetV3 and MNASNet share with torchvision's <c>models/_utils.py</c> and their constructors'
/// initialization loops (EfficientNet and RegNet use its <c>_make_divisible</c> too): <c>_make_divisible</c>, <c>kaiming_normal_(mode="fan_out")</c>, <c>normal_</c>,
/// <c>kaiming_uniform_(mode="fan_out")</c>.
/// </summary>
internal static class MobileInit
{
    /// <summary>
    /// torchvision's <c>_make_divisible(v, divisor, min_value)</c> (from the TensorFlow MobileNet code): <paramref name="v"/>
    /// rounded to the nearest multiple of <paramref name="divisor"/>, at least <paramref name="minValue"/> (default the
    /// divisor), and never more than 10% below <paramref name="v"/>.
    /// </summary>
    public static int MakeDivisible(double v, int divisor, int? minValue = null)
    {
        int min = minValue ?? divisor;
        int newV = Math.Max(min, (int)(v + (divisor / 2.0)) / divisor * divisor);

        // Make sure that round down does not go down by more than 10%.
        if (newV < 0.9 * v)
        {
            newV += divisor;
        }

        return newV;
    }

    /// <summary>
    /// The loop of MobileNetV2's and MobileNetV3's constructors: every Conv2d <c>kaiming_normal_(mode="fan_out")</c>
    /// with a zero bias, every BatchNorm weight 1 and bias 0, every Linear <c>normal_(0, 0.01)</c> with a zero bias.
    /// </summary>
    public static void InitializeLikeMobileNet(Module model, Random random)
    {
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            switch (layer)
            {
                case Conv2d conv:
                    KaimingNormalFanOut(conv.Weight.Value, random);
                    conv.Bias?.Value.AsSpan().Clear();
                    break;
                case BatchNorm norm:
                    norm.Weight?.Value.AsSpan().Fill(1f);
                    norm.Bias?.Value.AsSpan().Clear();
                    break;
                case Linear linear:
                    Normal(linear.Weight.Value, 0, 0.01, random);
                    linear.Bias?.Value.AsSpan().Clear();
                    break;
            }
        }
    }

    /// <summary>
    /// <c>nn.init.kaiming_normal_(weight, mode="fan_out", nonlinearity="relu")</c>: N(0, gain² / fan_out) with gain √2
    /// and fan_out = shape[0] · (elements per output row / shape[1]) — for a convolution out · kH · kW.
    /// </summary>
    public static void KaimingNormalFanOut(Tensor weight, Random random, double gain = 1.4142135623730951) =>
        Normal(weight, 0, gain / Math.Sqrt(FanOut(weight)), random);

    /// <summary><c>nn.init.kaiming_uniform_(weight, mode="fan_out", nonlinearity=…)</c>: U(−b, b) with b = gain · √(3 / fan_out).</summary>
    public static void KaimingUniformFanOut(Tensor weight, Random random, double gain)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        double bound = gain * Math.Sqrt(3.0 / FanOut(weight));
        Span<float> values = weight.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2.0) - 1.0) * bound);
        }
    }

    /// <summary><c>nn.init.normal_(tensor, mean, std)</c>, by the Box–Muller transform.</summary>
    public static void Normal(Tensor tensor, double mean, double std, Random random)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        Span<float> values = tensor.AsSpan();
        for (int i = 0; i < values.Length; i += 2)
        {
            double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
            double angle = 2.0 * Math.PI * random.NextDouble();
            values[i] = (float)(mean + (std * radius * Math.Cos(angle)));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(mean + (std * radius * Math.Sin(angle)));
            }
        }
    }

    /// <summary>torch's fan_out of a weight [out, in, k…]: out · k….</summary>
    private static double FanOut(Tensor weight)
    {
        ReadOnlySpan<int> shape = weight.Shape;
        return shape.Length < 2 ? shape[0] : (double)weight.Length / shape[1];
    }
}
