using System.Numerics.Tensors;
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
    public static void Normal(Tensor tensor, double mean, double std, Random random) =>
        TruncatedNormal(tensor, mean, std, double.NegativeInfinity, double.PositiveInfinity, random);

    /// <summary>
    /// <c>nn.init.trunc_normal_(t, mean, std, a, b)</c>: N(mean, std²) restricted to [a, b], by redrawing the values
    /// that fall outside (torchvision's bounds ±2 lie 20 to 200 standard deviations out, so redraws are rare).
    /// </summary>
    /// <remarks>
    /// Box–Muller in single precision over blocks of 512 pairs with <see cref="TensorPrimitives"/> (the logarithm,
    /// square root and sine/cosine vectorized; the scalar <see cref="MathF"/> calls made VGG's 123M classifier weights
    /// take 4 s of CPU): mean + std·√(−2 ln(1 − u₁))·cos(2πu₂), and the same with sin.
    /// </remarks>
    public static void TruncatedNormal(Tensor tensor, double mean, double std, double a, double b, Random random)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        const int BlockPairs = 512;
        Span<float> values = tensor.AsSpan();
        float m = (float)mean, s = (float)std;
        Span<float> radius = stackalloc float[BlockPairs];
        Span<float> angle = stackalloc float[BlockPairs];
        Span<float> sin = stackalloc float[BlockPairs];
        Span<float> cos = stackalloc float[BlockPairs];
        for (int start = 0; start < values.Length; start += 2 * BlockPairs)
        {
            int count = Math.Min(2 * BlockPairs, values.Length - start);
            int pairs = (count + 1) / 2;
            Span<float> r = radius[..pairs], t = angle[..pairs], sn = sin[..pairs], cs = cos[..pairs];
            for (int i = 0; i < pairs; i++)
            {
                r[i] = 1f - random.NextSingle(); // in (0, 1]
                t[i] = random.NextSingle();
            }

            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, -2f, r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.Multiply(r, s, r);
            TensorPrimitives.Multiply(t, 2f * MathF.PI, t);
            TensorPrimitives.SinCos(t, sn, cs);
            TensorPrimitives.Multiply(r, cs, cs);
            TensorPrimitives.Multiply(r, sn, sn);
            Span<float> block = values.Slice(start, count);
            TensorPrimitives.Add(cs, m, block[..pairs]);
            TensorPrimitives.Add(sn[..(count - pairs)], m, block[pairs..]);
        }

        for (int i = 0; i < values.Length; i++)
        {
            while (values[i] < a || values[i] > b)
            {
                float u1 = 1f - random.NextSingle(), u2 = random.NextSingle();
                values[i] = m + (s * MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(2f * MathF.PI * u2));
            }
        }
    }

    /// <summary><c>nn.init.constant_(t, value)</c>.</summary>
    public static void Constant(Tensor tensor, float value) => tensor.AsSpan().Fill(value);
}
