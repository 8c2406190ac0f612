using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The element-wise stage of the Winograd kernels (<see cref="WinogradKernel"/>, F(2×2, 3×3), 16 positions;
/// <see cref="WinogradF4Kernel"/>, F(4×4, 3×3), 36 positions) as one GEMM per position ξ over the input channels:
/// M[ξ, t, o] = Σ_c V[ξ, c, t]·U[ξ, c, o], vectorized over output channels (the V element is broadcast), in blocks of
/// 4 tiles × 3 channel vectors on 16-register CPUs (12 accumulators + 3 weights + 1 broadcast) or × 4 with AVX-512's
/// 32 registers, each output summed over the input channels in order whatever the block.
/// </summary>
internal static class WinogradGemm
{
    /// <summary>
    /// M [positions, tiles, padded] from U [positions, channels, padded] (the plan's transformed weights) and
    /// V [positions, channels, tileStride] (tile t at column t), for the output-channel vectors [firstVector, endVector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TOps, TVec>(
        float[] weights, int positions, int channels, int padded, Span<float> v, int tileStride, Span<float> m, int tiles, int firstVector, int endVector)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int vl = TOps.Count;

        // 32 vector registers come with AVX-512 (Vector512); otherwise assume 16: 4 tiles × 3 vectors = 12 accumulators.
        int group = Math.Min(vl == 16 ? 4 : 3, endVector - firstVector);
        ref float u0 = ref MemoryMarshal.GetArrayDataReference(weights);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        ref float m0 = ref MemoryMarshal.GetReference(m);
        for (int xi = 0; xi < positions; xi++)
        {
            ref float uXi = ref Unsafe.Add(ref u0, xi * channels * padded);
            ref float vXi = ref Unsafe.Add(ref v0, xi * channels * tileStride);
            ref float mXi = ref Unsafe.Add(ref m0, xi * tiles * padded);
            for (int vector = firstVector; vector < endVector; vector += group)
            {
                // The last group overlaps the one before when the vectors do not divide: those are computed twice, with the same bits.
                int at = Math.Min(vector, endVector - group) * vl;
                ref float block = ref Unsafe.Add(ref uXi, at);
                ref float products = ref Unsafe.Add(ref mXi, at);
                for (int t = 0; t < tiles; t += 4)
                {
                    // A short last block repeats the last tile (same values, stored twice).
                    int t1 = Math.Min(t + 1, tiles - 1), t2 = Math.Min(t + 2, tiles - 1), t3 = Math.Min(t + 3, tiles - 1);
                    switch (group)
                    {
                        case 4:
                            Block<TOps, TVec, Four>(ref block, padded, ref vXi, tileStride, channels, t, t1, t2, t3, ref products);
                            break;
                        case 3:
                            Block<TOps, TVec, Three>(ref block, padded, ref vXi, tileStride, channels, t, t1, t2, t3, ref products);
                            break;
                        case 2:
                            Block<TOps, TVec, Two>(ref block, padded, ref vXi, tileStride, channels, t, t1, t2, t3, ref products);
                            break;
                        default:
                            Block<TOps, TVec, One>(ref block, padded, ref vXi, tileStride, channels, t, t1, t2, t3, ref products);
                            break;
                    }
                }
            }
        }
    }

    /// <summary>4 tiles × <typeparamref name="TN"/> vectors of output channels, summed over the input channels in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TOps, TVec, TN>(ref float weights, nint padded, ref float v, nint stride, int channels, int t0, int t1, int t2, int t3, ref float products)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TN : IVectorCount
    {
        nint vl = TOps.Count;
        TVec a0 = TOps.Zero, a1 = a0, a2 = a0, a3 = a0;
        TVec b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        TVec c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        TVec e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        nint x0 = t0, x1 = t1, x2 = t2, x3 = t3;
        for (int c = 0; c < channels; c++)
        {
            TVec w0 = TOps.Load(ref weights, 0);
            TVec w1 = TN.Value > 1 ? TOps.Load(ref weights, vl) : w0;
            TVec w2 = TN.Value > 2 ? TOps.Load(ref weights, 2 * vl) : w0;
            TVec w3 = TN.Value > 3 ? TOps.Load(ref weights, 3 * vl) : w0;
            TVec s = TOps.Create(Unsafe.Add(ref v, x0));
            a0 = TOps.MultiplyAdd(s, w0, a0);
            if (TN.Value > 1)
            {
                b0 = TOps.MultiplyAdd(s, w1, b0);
            }

            if (TN.Value > 2)
            {
                c0 = TOps.MultiplyAdd(s, w2, c0);
            }

            if (TN.Value > 3)
            {
                e0 = TOps.MultiplyAdd(s, w3, e0);
            }

            s = TOps.Create(Unsafe.Add(ref v, x1));
            a1 = TOps.MultiplyAdd(s, w0, a1);
            if (TN.Value > 1)
            {
                b1 = TOps.MultiplyAdd(s, w1, b1);
            }

            if (TN.Value > 2)
            {
                c1 = TOps.MultiplyAdd(s, w2, c1);
            }

            if (TN.Value > 3)
            {
                e1 = TOps.MultiplyAdd(s, w3, e1);
            }

            s = TOps.Create(Unsafe.Add(ref v, x2));
            a2 = TOps.MultiplyAdd(s, w0, a2);
            if (TN.Value > 1)
            {
                b2 = TOps.MultiplyAdd(s, w1, b2);
            }

            if (TN.Value > 2)
            {
                c2 = TOps.MultiplyAdd(s, w2, c2);
            }

            if (TN.Value > 3)
            {
                e2 = TOps.MultiplyAdd(s, w3, e2);
            }

            s = TOps.Create(Unsafe.Add(ref v, x3));
            a3 = TOps.MultiplyAdd(s, w0, a3);
            if (TN.Value > 1)
            {
                b3 = TOps.MultiplyAdd(s, w1, b3);
            }

            if (TN.Value > 2)
            {
                c3 = TOps.MultiplyAdd(s, w2, c3);
            }

            if (TN.Value > 3)
            {
                e3 = TOps.MultiplyAdd(s, w3, e3);
            }

            weights = ref Unsafe.Add(ref weights, padded);
            v = ref Unsafe.Add(ref v, stride);
        }

        Store<TOps, TVec, TN>(a3, b3, c3, e3, ref Unsafe.Add(ref products, t3 * padded));
        Store<TOps, TVec, TN>(a2, b2, c2, e2, ref Unsafe.Add(ref products, t2 * padded));
        Store<TOps, TVec, TN>(a1, b1, c1, e1, ref Unsafe.Add(ref products, t1 * padded));
        Store<TOps, TVec, TN>(a0, b0, c0, e0, ref Unsafe.Add(ref products, t0 * padded));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TOps, TVec, TN>(TVec a, TVec b, TVec c, TVec e, ref float destination)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TN : IVectorCount
    {
        nint vl = TOps.Count;
        TOps.Store(a, ref destination, 0);
        if (TN.Value > 1)
        {
            TOps.Store(b, ref destination, vl);
        }

        if (TN.Value > 2)
        {
            TOps.Store(c, ref destination, 2 * vl);
        }

        if (TN.Value > 3)
        {
            TOps.Store(e, ref destination, 3 * vl);
        }
    }

    /// <summary>A block's count of output-channel vectors, known to the JIT (unused accumulators vanish).</summary>
    private interface IVectorCount
    {
        static abstract int Value { get; }
    }

    private readonly struct One : IVectorCount
    {
        public static int Value => 1;
    }

    private readonly struct Two : IVectorCount
    {
        public static int Value => 2;
    }

    private readonly struct Three : IVectorCount
    {
        public static int Value => 3;
    }

    private readonly struct Four : IVectorCount
    {
        public static int Value => 4;
    }
}
