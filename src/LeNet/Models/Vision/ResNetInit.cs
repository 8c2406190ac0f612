using System.Numerics.Tensors;
using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// The initializations torchvision's ResNet and DenseNet constructors apply after building (<c>nn.init.kaiming_normal_</c>),
/// written straight into the weights' spans with a <see cref="Random"/>.
/// </summary>
internal static class ResNetInit
{
    /// <summary>
    /// <c>nn.init.kaiming_normal_(weight, mode, nonlinearity="relu")</c>: N(0, 2 / fan) with fan = fan_out
    /// (<c>weight.size(0)</c> · receptive field) or fan_in (<c>weight.size(1)</c> · receptive field).
    /// </summary>
    /// <param name="weight">A weight of rank ≥ 2, <c>[out, in / groups, kH, kW]</c> or <c>[out, in]</c>.</param>
    /// <param name="fanOut">True for <c>mode="fan_out"</c>, false for PyTorch's default <c>mode="fan_in"</c>.</param>
    /// <param name="random">The source of the values.</param>
    public static void KaimingNormal(Tensor weight, bool fanOut, Random random)
    {
        ReadOnlySpan<int> shape = weight.Shape;
        int receptive = weight.Length / (shape[0] * shape[1]);
        int fan = (fanOut ? shape[0] : shape[1]) * receptive;
        Normal(weight.AsSpan(), Math.Sqrt(2.0 / fan), random);
    }

    /// <summary>
    /// Fills <paramref name="values"/> with N(0, std²) draws by Box–Muller, a chunk at a time: the uniforms drawn in a
    /// loop, the logarithm, square root, cosine and sine vectorized (construction of a 127M-parameter model stays quick).
    /// </summary>
    /// <remarks>
    /// An unseeded draw (<see cref="Random.Shared"/>, torchvision's default) takes <see cref="InitRandom.FillNormal"/>:
    /// Box–Muller on a xoshiro256** stream, fully optimized at its first call, where the loop below runs its
    /// <see cref="TensorPrimitives"/> calls unoptimized during a cold start (resnet18: 1.7 s cold against 0.3 s warm). A
    /// seeded <see cref="Random"/> keeps the values it always gave (tests check gradients at those weights).
    /// </remarks>
    public static void Normal(Span<float> values, double std, Random random)
    {
        if (Init.IsSkipped)
        {
            return;
        }

        if (ReferenceEquals(random, Random.Shared))
        {
            InitRandom.FillNormal(values, std, random);
            return;
        }

        const int Chunk = 4096;
        Span<float> radius = stackalloc float[Chunk / 2];
        Span<float> angle = stackalloc float[Chunk / 2];
        for (int start = 0; start < values.Length; start += Chunk)
        {
            Span<float> chunk = values.Slice(start, Math.Min(Chunk, values.Length - start));
            int pairs = (chunk.Length + 1) / 2;
            Span<float> r = radius[..pairs], a = angle[..pairs];
            for (int i = 0; i < pairs; i++)
            {
                r[i] = 1f - random.NextSingle(); // in (0, 1]: the logarithm stays finite
                a[i] = random.NextSingle();
            }

            // r = std · √(−2 ln u₁), a = 2π u₂; the pair (r cos a, r sin a) is two independent normals.
            TensorPrimitives.Log(r, r);
            TensorPrimitives.Multiply(r, (float)(-2.0 * std * std), r);
            TensorPrimitives.Sqrt(r, r);
            TensorPrimitives.Multiply(a, 2f * MathF.PI, a);
            int half = chunk.Length / 2;
            TensorPrimitives.Cos(a[..half], chunk[..half]);
            TensorPrimitives.Multiply(chunk[..half], r[..half], chunk[..half]);
            TensorPrimitives.Sin(a, chunk[half..]);
            TensorPrimitives.Multiply(chunk[half..], r, chunk[half..]);
        }
    }
}
