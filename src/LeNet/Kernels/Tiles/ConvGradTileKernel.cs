using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>
/// The two gradients of a stride-1 convolution for one tile in the batch-inner layout (<see cref="TileMap"/>).
/// Both multiply vectors of images: the input gradient (<see cref="InputGradient"/>) scatters each output
/// gradient through the weights; the weight gradient (<see cref="WeightGradient"/>) sums the lanes once per tile.
/// </summary>
internal static class ConvGradTileKernel
{
    /// <summary>Packs weight [O, C, K, K] as [C, K, O, K] for <see cref="InputGradient"/>: one kernel row of every output channel together.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackInputGradientWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int k, Span<float> packed)
    {
        Debug.Assert(weight.Length == outChannels * inChannels * k * k && packed.Length >= weight.Length);
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                for (int u = 0; u < k; u++)
                {
                    for (int v = 0; v < k; v++)
                    {
                        packed[((((c * k) + u) * outChannels) + o) * k + v] = weight[((((o * inChannels) + c) * k) + u) * k + v];
                    }
                }
            }
        }
    }

    /// <summary>
    /// dx = the input gradient for lanes [lane, lane + Count): forward <c>z[o, y, x] = Σ_{c,u,v} W[o, c, u, v] · xp[c, y + u, x + v]</c>
    /// (xp the zero-padded input), so <c>dxp[c, y + u, x + v] += W[o, c, u, v] · dz[o, y, x]</c>. dx has the
    /// input's padded layout (<paramref name="dxMap"/>, padding p): it is cleared and accumulated whole, border included
    /// (readers use its interior). Weights packed by <see cref="PackInputGradientWeights"/>.
    /// </summary>
    /// <remarks>
    /// Every product is one the forward pass made: no multiplications by zero padding, unlike the
    /// equivalent convolution of the zero-padded gradient with turned weights (2.2× the work for LeNet's
    /// conv2). Register block: 2 adjacent output-gradient columns × the kernel row's 5 taps = 10
    /// accumulators over the output channels, then added into the 6 input-gradient columns they touch.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<TOps, TVec>(ReadOnlySpan<float> dz, TileMap dzMap, ReadOnlySpan<float> packed, Span<float> dx, TileMap dxMap, int k, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        const int L = TileMap.Lanes;
        int outChannels = dzMap.Channels, channels = dxMap.Channels;
        Debug.Assert(dz.Length >= dzMap.Length && dx.Length >= dxMap.Length && packed.Length >= outChannels * channels * k * k);
        Debug.Assert(dxMap.PaddedHeight - k + 1 == dzMap.Height && dxMap.PaddedWidth - k + 1 == dzMap.Width);
        ref float g = ref Unsafe.Add(ref MemoryMarshal.GetReference(dz), lane);
        ref float d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dx), lane);
        ref float w = ref MemoryMarshal.GetReference(packed);
        for (int i = 0; i < dxMap.Length; i += L)
        {
            TOps.Store(TOps.Zero, ref d, i);
        }

        nint plane = dzMap.PaddedHeight * dzMap.PaddedWidth * L;
        int width = dzMap.Width;
        for (int y = 0; y < dzMap.Height; y++)
        {
            ref float gRow = ref Unsafe.Add(ref g, dzMap.Offset(0, y, 0));
            for (int c = 0; c < channels; c++)
            {
                for (int u = 0; u < k; u++)
                {
                    ref float dRow = ref Unsafe.Add(ref d, ((c * dxMap.PaddedHeight) + y + u) * dxMap.PaddedWidth * L);
                    ref float wRow = ref Unsafe.Add(ref w, ((c * k) + u) * outChannels * k);
                    int x = 0;
                    if (k == 5)
                    {
                        for (; x + 2 <= width; x += 2)
                        {
                            Columns2x5<TOps, TVec>(ref Unsafe.Add(ref gRow, x * L), plane, ref wRow, outChannels, ref Unsafe.Add(ref dRow, x * L));
                        }
                    }

                    for (; x < width; x++)
                    {
                        ref float gx = ref Unsafe.Add(ref gRow, x * L);
                        for (int v = 0; v < k; v++)
                        {
                            TVec acc = TOps.Zero;
                            for (int o = 0; o < outChannels; o++)
                            {
                                acc = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref wRow, (o * k) + v)), TOps.Load(ref gx, o * plane), acc);
                            }

                            TOps.Store(TOps.Add(TOps.Load(ref dRow, (x + v) * L), acc), ref dRow, (x + v) * L);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Output-gradient columns x and x + 1 of one row, one kernel row (5 taps), summed over the output channels into input-gradient columns x … x + 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns2x5<TOps, TVec>(ref float g, nint plane, ref float w, int outChannels, ref float d)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        const int L = TileMap.Lanes;
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero;
        TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero, b4 = TOps.Zero;
        for (int o = 0; o < outChannels; o++)
        {
            ref float go = ref Unsafe.Add(ref g, o * plane);
            ref float wo = ref Unsafe.Add(ref w, o * 5);
            TVec g0 = TOps.Load(ref go, 0), g1 = TOps.Load(ref go, L);
            TVec t = TOps.Create(wo);
            a0 = TOps.MultiplyAdd(t, g0, a0);
            b0 = TOps.MultiplyAdd(t, g1, b0);
            t = TOps.Create(Unsafe.Add(ref wo, 1));
            a1 = TOps.MultiplyAdd(t, g0, a1);
            b1 = TOps.MultiplyAdd(t, g1, b1);
            t = TOps.Create(Unsafe.Add(ref wo, 2));
            a2 = TOps.MultiplyAdd(t, g0, a2);
            b2 = TOps.MultiplyAdd(t, g1, b2);
            t = TOps.Create(Unsafe.Add(ref wo, 3));
            a3 = TOps.MultiplyAdd(t, g0, a3);
            b3 = TOps.MultiplyAdd(t, g1, b3);
            t = TOps.Create(Unsafe.Add(ref wo, 4));
            a4 = TOps.MultiplyAdd(t, g0, a4);
            b4 = TOps.MultiplyAdd(t, g1, b4);
        }

        // Column x takes a0; x + 1 takes a1 + b0; …; x + 5 takes b4.
        TOps.Store(TOps.Add(TOps.Load(ref d, 0), a0), ref d, 0);
        TOps.Store(TOps.Add(TOps.Load(ref d, L), TOps.Add(a1, b0)), ref d, L);
        TOps.Store(TOps.Add(TOps.Load(ref d, 2 * L), TOps.Add(a2, b1)), ref d, 2 * L);
        TOps.Store(TOps.Add(TOps.Load(ref d, 3 * L), TOps.Add(a3, b2)), ref d, 3 * L);
        TOps.Store(TOps.Add(TOps.Load(ref d, 4 * L), TOps.Add(a4, b3)), ref d, 4 * L);
        TOps.Store(TOps.Add(TOps.Load(ref d, 5 * L), b4), ref d, 5 * L);
    }

    /// <summary>
    /// weightGrad[o, c, u, v] += Σ_{lanes, i, j} dz[o, i, j] · x[c, i + u, j + v] over lanes [lane, lane + Count):
    /// x is the tile's input [C, H, W] with the convolution's zero padding (padded coordinates), dz the
    /// gradient of the convolution's output [O, OH, OW] (any padding of its own).
    /// </summary>
    /// <remarks>
    /// Vectorized across images: each product is a vector of lanes, accumulated over every output position
    /// in registers and summed across lanes once (a fixed order, so a tile's sums do not depend on the
    /// thread that computes them). Register block: 4 output channels (2 without AVX-512's 32 registers) ×
    /// the kernel row's 5 taps, so each loaded input vector serves 4 (2) FMAs and each gradient vector 5.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient<TOps, TVec>(
        ReadOnlySpan<float> x, TileMap xMap, ReadOnlySpan<float> dz, TileMap dzMap, Span<float> weightGrad, int k, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int channels = xMap.Channels, outChannels = dzMap.Channels;
        Debug.Assert(x.Length >= xMap.Length && dz.Length >= dzMap.Length && weightGrad.Length >= outChannels * channels * k * k);
        Debug.Assert(xMap.PaddedHeight - k + 1 == dzMap.Height && xMap.PaddedWidth - k + 1 == dzMap.Width);
        ref float xRef = ref Unsafe.Add(ref MemoryMarshal.GetReference(x), lane);
        ref float dzRef = ref Unsafe.Add(ref MemoryMarshal.GetReference(dz), lane);
        ref float dw = ref MemoryMarshal.GetReference(weightGrad);
        int o = 0;
        if (k == 5)
        {
            // 4-channel blocks where 32 registers hold them, then 2-channel blocks; single channels last.
            if (Avx512F.IsSupported && TOps.Count == 16)
            {
                for (; o + 4 <= outChannels; o += 4)
                {
                    Channels(ref xRef, xMap, ref dzRef, dzMap, ref dw, o, 4, k);
                }
            }

            for (; o + 2 <= outChannels; o += 2)
            {
                Channels(ref xRef, xMap, ref dzRef, dzMap, ref dw, o, 2, k);
            }
        }

        for (; o < outChannels; o++)
        {
            Channels(ref xRef, xMap, ref dzRef, dzMap, ref dw, o, 1, k);
        }

        static void Channels(ref float xRef, TileMap xMap, ref float dzRef, TileMap dzMap, ref float dw, int o, int block, int k)
        {
            int channels = xMap.Channels;
            for (int c = 0; c < channels; c++)
            {
                for (int u = 0; u < k; u++)
                {
                    ref float xRow = ref Unsafe.Add(ref xRef, xMap.Offset(c, u - xMap.Pad, -xMap.Pad));
                    ref float dzRow = ref Unsafe.Add(ref dzRef, dzMap.Offset(o, 0, 0));
                    ref float target = ref Unsafe.Add(ref dw, (((o * channels) + c) * k * k) + (u * k));
                    switch (block)
                    {
                        case 4:
                            Rows4x5<TOps, TVec>(ref xRow, xMap, ref dzRow, dzMap, ref target, channels * k * k);
                            break;
                        case 2:
                            Rows2x5<TOps, TVec>(ref xRow, xMap, ref dzRow, dzMap, ref target, channels * k * k);
                            break;
                        default:
                            Rows1<TOps, TVec>(ref xRow, xMap, ref dzRow, dzMap, ref target, k);
                            break;
                    }
                }
            }
        }
    }

    /// <summary>4 output channels × 5 taps of one kernel row: 20 accumulators, 4 + 5 loads per 20 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows4x5<TOps, TVec>(ref float xRow, TileMap xMap, ref float dzRow, TileMap dzMap, ref float target, int channelStride)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        const int L = TileMap.Lanes;
        nint xStride = xMap.PaddedWidth * L, dzStride = dzMap.PaddedWidth * L;
        nint plane = dzMap.PaddedHeight * dzStride;
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero;
        TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero, b4 = TOps.Zero;
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero, c4 = TOps.Zero;
        TVec d0 = TOps.Zero, d1 = TOps.Zero, d2 = TOps.Zero, d3 = TOps.Zero, d4 = TOps.Zero;
        int width = dzMap.Width;
        for (int i = 0; i < dzMap.Height; i++)
        {
            ref float xi = ref Unsafe.Add(ref xRow, i * xStride);
            ref float gi = ref Unsafe.Add(ref dzRow, i * dzStride);
            for (int j = 0; j < width; j++)
            {
                ref float g = ref Unsafe.Add(ref gi, j * L);
                ref float v = ref Unsafe.Add(ref xi, j * L);
                TVec g0 = TOps.Load(ref g, 0), g1 = TOps.Load(ref g, plane), g2 = TOps.Load(ref g, 2 * plane), g3 = TOps.Load(ref g, 3 * plane);
                TVec t = TOps.Load(ref v, 0);
                a0 = TOps.MultiplyAdd(g0, t, a0);
                b0 = TOps.MultiplyAdd(g1, t, b0);
                c0 = TOps.MultiplyAdd(g2, t, c0);
                d0 = TOps.MultiplyAdd(g3, t, d0);
                t = TOps.Load(ref v, L);
                a1 = TOps.MultiplyAdd(g0, t, a1);
                b1 = TOps.MultiplyAdd(g1, t, b1);
                c1 = TOps.MultiplyAdd(g2, t, c1);
                d1 = TOps.MultiplyAdd(g3, t, d1);
                t = TOps.Load(ref v, 2 * L);
                a2 = TOps.MultiplyAdd(g0, t, a2);
                b2 = TOps.MultiplyAdd(g1, t, b2);
                c2 = TOps.MultiplyAdd(g2, t, c2);
                d2 = TOps.MultiplyAdd(g3, t, d2);
                t = TOps.Load(ref v, 3 * L);
                a3 = TOps.MultiplyAdd(g0, t, a3);
                b3 = TOps.MultiplyAdd(g1, t, b3);
                c3 = TOps.MultiplyAdd(g2, t, c3);
                d3 = TOps.MultiplyAdd(g3, t, d3);
                t = TOps.Load(ref v, 4 * L);
                a4 = TOps.MultiplyAdd(g0, t, a4);
                b4 = TOps.MultiplyAdd(g1, t, b4);
                c4 = TOps.MultiplyAdd(g2, t, c4);
                d4 = TOps.MultiplyAdd(g3, t, d4);
            }
        }

        AddSums<TOps, TVec>(ref target, a0, a1, a2, a3, a4);
        AddSums<TOps, TVec>(ref Unsafe.Add(ref target, channelStride), b0, b1, b2, b3, b4);
        AddSums<TOps, TVec>(ref Unsafe.Add(ref target, 2 * channelStride), c0, c1, c2, c3, c4);
        AddSums<TOps, TVec>(ref Unsafe.Add(ref target, 3 * channelStride), d0, d1, d2, d3, d4);
    }

    /// <summary>2 output channels × 5 taps of one kernel row: 10 accumulators + 3 operands fit 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows2x5<TOps, TVec>(ref float xRow, TileMap xMap, ref float dzRow, TileMap dzMap, ref float target, int channelStride)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        const int L = TileMap.Lanes;
        nint xStride = xMap.PaddedWidth * L, dzStride = dzMap.PaddedWidth * L;
        nint plane = dzMap.PaddedHeight * dzStride;
        TVec a0 = TOps.Zero, a1 = TOps.Zero, a2 = TOps.Zero, a3 = TOps.Zero, a4 = TOps.Zero;
        TVec b0 = TOps.Zero, b1 = TOps.Zero, b2 = TOps.Zero, b3 = TOps.Zero, b4 = TOps.Zero;
        int width = dzMap.Width;
        for (int i = 0; i < dzMap.Height; i++)
        {
            ref float xi = ref Unsafe.Add(ref xRow, i * xStride);
            ref float gi = ref Unsafe.Add(ref dzRow, i * dzStride);
            for (int j = 0; j < width; j++)
            {
                ref float g = ref Unsafe.Add(ref gi, j * L);
                ref float v = ref Unsafe.Add(ref xi, j * L);
                TVec g0 = TOps.Load(ref g, 0), g1 = TOps.Load(ref g, plane);
                TVec t = TOps.Load(ref v, 0);
                a0 = TOps.MultiplyAdd(g0, t, a0);
                b0 = TOps.MultiplyAdd(g1, t, b0);
                t = TOps.Load(ref v, L);
                a1 = TOps.MultiplyAdd(g0, t, a1);
                b1 = TOps.MultiplyAdd(g1, t, b1);
                t = TOps.Load(ref v, 2 * L);
                a2 = TOps.MultiplyAdd(g0, t, a2);
                b2 = TOps.MultiplyAdd(g1, t, b2);
                t = TOps.Load(ref v, 3 * L);
                a3 = TOps.MultiplyAdd(g0, t, a3);
                b3 = TOps.MultiplyAdd(g1, t, b3);
                t = TOps.Load(ref v, 4 * L);
                a4 = TOps.MultiplyAdd(g0, t, a4);
                b4 = TOps.MultiplyAdd(g1, t, b4);
            }
        }

        AddSums<TOps, TVec>(ref target, a0, a1, a2, a3, a4);
        AddSums<TOps, TVec>(ref Unsafe.Add(ref target, channelStride), b0, b1, b2, b3, b4);
    }

    /// <summary>One output channel, one kernel row, any kernel size: one accumulator per tap (the general, slower path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows1<TOps, TVec>(ref float xRow, TileMap xMap, ref float dzRow, TileMap dzMap, ref float target, int k)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        const int L = TileMap.Lanes;
        nint xStride = xMap.PaddedWidth * L, dzStride = dzMap.PaddedWidth * L;
        for (int v = 0; v < k; v++)
        {
            // Four independent sums along the row, so the FMAs do not wait on each other's latency.
            TVec acc0 = TOps.Zero, acc1 = TOps.Zero, acc2 = TOps.Zero, acc3 = TOps.Zero;
            for (int i = 0; i < dzMap.Height; i++)
            {
                ref float xi = ref Unsafe.Add(ref xRow, (i * xStride) + (v * L));
                ref float gi = ref Unsafe.Add(ref dzRow, i * dzStride);
                int j = 0;
                for (; j + 4 <= dzMap.Width; j += 4)
                {
                    acc0 = TOps.MultiplyAdd(TOps.Load(ref gi, j * L), TOps.Load(ref xi, j * L), acc0);
                    acc1 = TOps.MultiplyAdd(TOps.Load(ref gi, (j + 1) * L), TOps.Load(ref xi, (j + 1) * L), acc1);
                    acc2 = TOps.MultiplyAdd(TOps.Load(ref gi, (j + 2) * L), TOps.Load(ref xi, (j + 2) * L), acc2);
                    acc3 = TOps.MultiplyAdd(TOps.Load(ref gi, (j + 3) * L), TOps.Load(ref xi, (j + 3) * L), acc3);
                }

                for (; j < dzMap.Width; j++)
                {
                    acc0 = TOps.MultiplyAdd(TOps.Load(ref gi, j * L), TOps.Load(ref xi, j * L), acc0);
                }
            }

            Unsafe.Add(ref target, v) += TOps.Sum(TOps.Add(TOps.Add(acc0, acc1), TOps.Add(acc2, acc3)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSums<TOps, TVec>(ref float target, TVec s0, TVec s1, TVec s2, TVec s3, TVec s4)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        target += TOps.Sum(s0);
        Unsafe.Add(ref target, 1) += TOps.Sum(s1);
        Unsafe.Add(ref target, 2) += TOps.Sum(s2);
        Unsafe.Add(ref target, 3) += TOps.Sum(s3);
        Unsafe.Add(ref target, 4) += TOps.Sum(s4);
    }
}
