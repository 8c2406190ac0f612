using System.Numerics.Tensors;
using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// The <c>torch.nn.init</c> schemes EfficientNet, RegNet and ConvNeXt use, as plain loops over the weights (these
/// models reach 645 million parameters, so nothing per element but the draw).
/// </summary>
internal static class ScaledInit
{
    /// <summary>
    /// <c>nn.init.kaiming_normal_(weight, mode="fan_out")</c> (ReLU gain): N(0, 2 / fan_out) with fan_out =
    /// out_channels · kh · kw, which is also RegNet's <c>normal_(std=sqrt(2 / fan_out))</c>; a bias is zeroed.
    /// </summary>
    public static void KaimingNormalFanOut(Conv2d conv, Random random)
    {
        int fanOut = conv.OutChannels * conv.KernelSize.Height * conv.KernelSize.Width;
        Normal(conv.Weight.Value.AsSpan(), Math.Sqrt(2.0 / fanOut), random);
        conv.Bias?.Value.AsSpan().Clear();
    }

    /// <summary>Weight ones, bias zeros (<c>nn.init.ones_</c>, <c>nn.init.zeros_</c>); either may be absent.</summary>
    public static void OnesZeros(Parameter? weight, Parameter? bias)
    {
        weight?.Value.AsSpan().Fill(1f);
        bias?.Value.AsSpan().Clear();
    }

    /// <summary>
    /// <c>nn.init.trunc_normal_(weight, std, a=-2, b=2)</c>: N(0, std²) redrawn outside [−2, 2] (absolute bounds, so
    /// with ConvNeXt's std 0.02 a redraw is a 100-sigma event).
    /// </summary>
    public static void TruncatedNormal(Span<float> values, double std, Random random)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        Normal(values, std, random);
        for (int i = 0; i < values.Length; i++)
        {
            while (values[i] is < -2f or > 2f)
            {
                values[i] = (float)(std * StandardNormal(random));
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="values"/> from N(0, std²) by Box–Muller in float, a block at a time with
    /// <see cref="TensorPrimitives"/> (radius √(−2 ln u₁)·std and angle 2πu₂ give r·cos θ to the block's first half
    /// and r·sin θ to its second): a few nanoseconds a value, which matters at 645 million.
    /// </summary>
    public static void Normal(Span<float> values, double std, Random random)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        const int Half = 2048;
        Span<float> radius = stackalloc float[Half];
        Span<float> angle = stackalloc float[Half];
        Span<float> sin = stackalloc float[Half];
        Span<float> cos = stackalloc float[Half];
        for (int start = 0; start < values.Length; start += 2 * Half)
        {
            int n = Math.Min(Half, (values.Length - start + 1) / 2);
            Span<float> r = radius[..n], a = angle[..n], s = sin[..n], c = cos[..n];
            for (int k = 0; k < n; k++)
            {
                r[k] = 1f - random.NextSingle();
                a[k] = random.NextSingle();
            }

            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, -2f, r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.Multiply(r, (float)std, r);
            TensorPrimitives.Multiply(a, 2f * MathF.PI, a);
            TensorPrimitives.SinCos(a, s, c);

            Span<float> block = values.Slice(start, Math.Min(2 * n, values.Length - start));
            TensorPrimitives.Multiply(r, c, block[..n]);
            TensorPrimitives.Multiply(r[..(block.Length - n)], s[..(block.Length - n)], block[n..]);
        }
    }

    private static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
