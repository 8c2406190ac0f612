using System.Runtime.CompilerServices;

namespace LeNet.Layers;

/// <summary>
/// A fast generator for filling large weights at construction: xoshiro256** (Blackman and Vigna) seeded by SplitMix64
/// from one 64-bit draw of the caller's <see cref="Random"/>, so a seeded <see cref="Random"/> still gives the same
/// weights every time. <see cref="Random"/>'s seeded algorithm costs one virtual call and a subtractive-generator step a
/// value (~10 ns, tens of milliseconds per million weights); this is ~1 ns, inlined in the fill loops.
/// </summary>
internal struct InitRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public InitRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>A generator seeded by one draw of <paramref name="random"/>.</summary>
    public static InitRandom From(Random random) => new((ulong)random.NextInt64(long.MinValue, long.MaxValue));

    /// <summary>The next 64 random bits (xoshiro256**).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Fills <paramref name="values"/> from U(−bound, bound), each value from 53 random bits as <see cref="Random.NextDouble"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillUniform(Span<float> values, double bound, Random random)
    {
        InitRandom generator = From(random);
        for (int i = 0; i < values.Length; i++)
        {
            double unit = (generator.Next() >> 11) * (1.0 / (1UL << 53));
            values[i] = (float)(((unit * 2.0) - 1.0) * bound);
        }
    }

    /// <summary>
    /// Fills <paramref name="values"/> from N(0, std²) by the Box–Muller transform, in float: one 64-bit draw gives
    /// u₁ ∈ (0, 1] and u₂ ∈ [0, 1) of 24 bits each, and the pair (r cos θ, r sin θ) with r = std·√(−2 ln u₁), θ = 2πu₂
    /// fills two neighbouring values. Scalar on purpose: it is fully optimized at its first call (the vectorized
    /// TensorPrimitives it replaces run unoptimized during a cold start, 5× slower than warm).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillNormal(Span<float> values, double std, Random random)
    {
        InitRandom generator = From(random);
        float scale = (float)(-2.0 * std * std);
        const float Unit = 1f / (1 << 24);
        for (int i = 0; i < values.Length; i += 2)
        {
            ulong bits = generator.Next();
            float u1 = ((bits >> 40) + 1) * Unit; // (0, 1]: the logarithm stays finite
            float u2 = ((bits >> 8) & 0xFFFFFF) * Unit;
            float radius = MathF.Sqrt(scale * MathF.Log(u1));
            (float sin, float cos) = MathF.SinCos(2f * MathF.PI * u2);
            values[i] = radius * cos;
            if (i + 1 < values.Length)
            {
                values[i + 1] = radius * sin;
            }
        }
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
