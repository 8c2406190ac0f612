using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// The <c>torch.nn.init</c> schemes that torchvision's classic models (VGG, SqueezeNet, GoogLeNet, Inception v3)
/// apply after building their layers: Kaiming normal and uniform, normal and truncated normal, constants.
/// Each writes the tensor's span directly, one draw per element, so a 138M-parameter VGG initialises in seconds.
/// </summary>
internal static class ClassicInit
{
    /// <summary>
    /// <c>nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")</c>: N(0, 2 / fan_out) with
    /// fan_out = out · k… for a weight <c>[out, in, k…]</c>.
    /// </summary>
    public static void KaimingNormalFanOut(Tensor weight, Random random)
    {
        int fanOut = weight.Length / weight.Shape[1];
        Normal(weight, 0, Math.Sqrt(2.0 / fanOut), random);
    }

    /// <summary>
    /// <c>nn.init.kaiming_uniform_(w)</c> with its defaults (a = 0, mode "fan_in", nonlinearity "leaky_relu",
    /// so gain √2): U(−√(6 / fan_in), √(6 / fan_in)) with fan_in = in · k… for a weight <c>[out, in, k…]</c>.
    /// </summary>
    public static void KaimingUniform(Tensor weight, Random random)
    {
        int fanIn = weight.Length / weight.Shape[0];
        double bound = Math.Sqrt(6.0 / fanIn);
        Init.Uniform(weight, -bound, bound, random);
    }

    /// <summary><c>nn.init.normal_(t, mean, std)</c>, by the Box–Muller transform (two values per pair of uniforms).</summary>
    public static void Normal(Tensor tensor, double mean, double std, Random random)
    {
        Span<float> values = tensor.AsSpan();
        for (int i = 0; i < values.Length; i += 2)
        {
            (double z0, double z1) = StandardNormalPair(random);
            values[i] = (float)(mean + (std * z0));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(mean + (std * z1));
            }
        }
    }

    /// <summary>
    /// <c>nn.init.trunc_normal_(t, mean, std, a, b)</c>: N(mean, std²) restricted to [a, b], by redrawing the values
    /// that fall outside (torchvision's bounds ±2 lie 20 to 200 standard deviations out, so redraws are rare).
    /// </summary>
    public static void TruncatedNormal(Tensor tensor, double mean, double std, double a, double b, Random random)
    {
        Span<float> values = tensor.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            double value;
            do
            {
                value = mean + (std * StandardNormalPair(random).Z0);
            }
            while (value < a || value > b);
            values[i] = (float)value;
        }
    }

    /// <summary><c>nn.init.constant_(t, value)</c>.</summary>
    public static void Constant(Tensor tensor, float value) => tensor.AsSpan().Fill(value);

    /// <summary>Two independent N(0, 1) values from two uniforms (Box–Muller).</summary>
    private static (double Z0, double Z1) StandardNormalPair(Random random)
    {
        double radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * random.NextDouble());
        return (radius * cos, radius * sin);
    }
}
