using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// One image's convolution vectorized over output channels, with a fused 2×2, stride-2 pool: for
/// layers with many output channels and small maps (LeNet's conv2: 16 channels, 10×10), where
/// vectorizing over pixels would waste lanes on short rows. Input pixels are broadcast; the weights are
/// packed by <see cref="PackWeights"/> as [C, K, K, O'] (O' = O rounded up to 16) so a tap's output
/// channels are one contiguous vector.
/// </summary>
/// <remarks>
/// Register block: two (pool window, channel vector) jobs × the window's 4 positions = 8 accumulators
/// (two windows of 16 channels with Vector512, one window's two halves with Vector256); 2 weight loads
/// and 8 broadcasts per 8 FMAs. The bias, activation and pool run in registers, and the pooled channel
/// vector is scattered into the output planes.
/// </remarks>
internal static class ConvChannelsKernel
{
    /// <summary>Output channels are padded to a multiple of this (every vector width divides it).</summary>
    public const int ChannelAlign = 16;

    public static int PaddedChannels(int outChannels) => (outChannels + ChannelAlign - 1) / ChannelAlign * ChannelAlign;

    /// <summary>Packs weight [O, C, K, K] as [C, K, K, O'], the channels past O zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] PackWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int k)
    {
        int padded = PaddedChannels(outChannels);
        int taps = inChannels * k * k;
        var packed = new float[taps * padded];
        for (int o = 0; o < outChannels; o++)
        {
            for (int r = 0; r < taps; r++)
            {
                packed[(r * padded) + o] = weight[(o * taps) + r];
            }
        }

        return packed;
    }

    /// <summary>
    /// output[o, py, px] = pool over the 2×2 window at (2py, 2px) of act(bias[o] + conv(input)[o]):
    /// input padded planes [C, Hp, Wp] (the convolution's padding already in them), bias padded to O';
    /// output planes at the given strides; <paramref name="lanes"/> is scratch of 16 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pooled<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> input, int paddedHeight, int paddedWidth, int inChannels, int k, int stride,
        ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int outChannels, int pooledHeight, int pooledWidth,
        Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        int vl = TOps.Count;
        int padded = PaddedChannels(outChannels);
        int vectors = padded / vl;
        if (vectors >= 2)
        {
            PooledWide<TOps, TVec, TAct, TPool>(input, paddedHeight, paddedWidth, inChannels, k, stride, packed, bias, outChannels, pooledHeight, pooledWidth, output, outRowStride, outPlaneStride, lanes);
            return;
        }

        int jobs = pooledHeight * pooledWidth * vectors;
        Debug.Assert(packed.Length == inChannels * k * k * padded && bias.Length == padded && lanes.Length >= vl);
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float b = ref MemoryMarshal.GetReference(bias);
        if (k == 5 && stride == 1)
        {
            TVec biasVector = TOps.Load(ref b, 0);
            for (int py = 0; py < pooledHeight; py++)
            {
                int px = 0;
                for (; px + 2 <= pooledWidth; px += 2)
                {
                    Sliding5x5Pair<TOps, TVec, TAct, TPool>(ref Unsafe.Add(ref x, (2 * py * paddedWidth) + (2 * px)), paddedHeight, paddedWidth, inChannels, ref w, padded, biasVector, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
                }

                if (px < pooledWidth)
                {
                    Sliding5x5Single<TOps, TVec, TAct, TPool>(ref Unsafe.Add(ref x, (2 * py * paddedWidth) + (2 * px)), paddedHeight, paddedWidth, inChannels, ref w, padded, biasVector, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
                }
            }

            return;
        }

        // Offsets of the window's 4 conv positions from its top-left input pixel.
        nint right = stride, down = (nint)stride * paddedWidth;
        for (int job = 0; job < jobs; job += 2)
        {
            int other = Math.Min(job + 1, jobs - 1);
            (int window0, int vector0) = Math.DivRem(job, vectors);
            (int window1, int vector1) = Math.DivRem(other, vectors);
            (int py0, int px0) = Math.DivRem(window0, pooledWidth);
            (int py1, int px1) = Math.DivRem(window1, pooledWidth);
            ref float origin0 = ref Unsafe.Add(ref x, (2 * py0 * stride * paddedWidth) + (2 * px0 * stride));
            ref float origin1 = ref Unsafe.Add(ref x, (2 * py1 * stride * paddedWidth) + (2 * px1 * stride));
            TVec bias0 = TOps.Load(ref b, vector0 * vl), bias1 = TOps.Load(ref b, vector1 * vl);
            TVec init0 = TPool.Averages ? bias0 : TOps.Zero, init1 = TPool.Averages ? bias1 : TOps.Zero;
            TVec a0 = init0, a1 = init0, a2 = init0, a3 = init0;
            TVec c0 = init1, c1 = init1, c2 = init1, c3 = init1;
            ref float tap = ref w;
            for (int c = 0; c < inChannels; c++)
            {
                for (int i = 0; i < k; i++)
                {
                    nint row = (((nint)c * paddedHeight) + i) * paddedWidth;
                    ref float p0 = ref Unsafe.Add(ref origin0, row);
                    ref float p1 = ref Unsafe.Add(ref origin1, row);
                    for (int j = 0; j < k; j++)
                    {
                        TVec w0 = TOps.Load(ref tap, vector0 * vl);
                        TVec w1 = TOps.Load(ref tap, vector1 * vl);
                        a0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p0, j)), w0, a0);
                        a1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p0, j + right)), w0, a1);
                        a2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p0, j + down)), w0, a2);
                        a3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p0, j + down + right)), w0, a3);
                        c0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p1, j)), w1, c0);
                        c1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p1, j + right)), w1, c1);
                        c2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p1, j + down)), w1, c2);
                        c3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref p1, j + down + right)), w1, c3);
                        tap = ref Unsafe.Add(ref tap, padded);
                    }
                }
            }

            Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias1), vector1, py1, px1, outChannels, output, outRowStride, outPlaneStride, lanes);
            Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias0), vector0, py0, px0, outChannels, output, outRowStride, outPlaneStride, lanes);
        }
    }

    /// <summary>
    /// Two side-by-side pool windows of a 5×5, stride-1 convolution with one channel vector (LeNet's conv2 at
    /// 512 bits): per input channel and kernel row, the row's five weight vectors stay in registers and each
    /// input pixel is broadcast once for the up to five positions it reaches (16 broadcasts and 5 loads per 40
    /// FMAs, where <see cref="Pooled"/>'s two-window job needs 50). Each accumulator adds the same products in
    /// the same (channel, row, column) order as there, so the results are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sliding5x5Pair<TOps, TVec, TAct, TPool>(
        ref float origin, int paddedHeight, int paddedWidth, int inChannels, ref float w, int padded, TVec bias,
        int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        TVec init = TPool.Averages ? bias : TOps.Zero;
        TVec t0 = init, t1 = init, t2 = init, t3 = init;
        TVec m0 = init, m1 = init, m2 = init, m3 = init;
        ref float tap = ref w;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < 5; i++)
            {
                ref float top = ref Unsafe.Add(ref origin, (((nint)c * paddedHeight) + i) * paddedWidth);
                ref float bottom = ref Unsafe.Add(ref top, paddedWidth);
                TVec w0 = TOps.Load(ref tap, 0), w1 = TOps.Load(ref tap, padded), w2 = TOps.Load(ref tap, 2 * padded);
                TVec w3 = TOps.Load(ref tap, 3 * padded), w4 = TOps.Load(ref tap, 4 * padded);
                tap = ref Unsafe.Add(ref tap, 5 * padded);
                TVec p;
                p = TOps.Create(Unsafe.Add(ref top, 0));
                t0 = TOps.MultiplyAdd(p, w0, t0);
                p = TOps.Create(Unsafe.Add(ref top, 1));
                t1 = TOps.MultiplyAdd(p, w0, t1);
                t0 = TOps.MultiplyAdd(p, w1, t0);
                p = TOps.Create(Unsafe.Add(ref top, 2));
                t2 = TOps.MultiplyAdd(p, w0, t2);
                t1 = TOps.MultiplyAdd(p, w1, t1);
                t0 = TOps.MultiplyAdd(p, w2, t0);
                p = TOps.Create(Unsafe.Add(ref top, 3));
                t3 = TOps.MultiplyAdd(p, w0, t3);
                t2 = TOps.MultiplyAdd(p, w1, t2);
                t1 = TOps.MultiplyAdd(p, w2, t1);
                t0 = TOps.MultiplyAdd(p, w3, t0);
                p = TOps.Create(Unsafe.Add(ref top, 4));
                t3 = TOps.MultiplyAdd(p, w1, t3);
                t2 = TOps.MultiplyAdd(p, w2, t2);
                t1 = TOps.MultiplyAdd(p, w3, t1);
                t0 = TOps.MultiplyAdd(p, w4, t0);
                p = TOps.Create(Unsafe.Add(ref top, 5));
                t3 = TOps.MultiplyAdd(p, w2, t3);
                t2 = TOps.MultiplyAdd(p, w3, t2);
                t1 = TOps.MultiplyAdd(p, w4, t1);
                p = TOps.Create(Unsafe.Add(ref top, 6));
                t3 = TOps.MultiplyAdd(p, w3, t3);
                t2 = TOps.MultiplyAdd(p, w4, t2);
                p = TOps.Create(Unsafe.Add(ref top, 7));
                t3 = TOps.MultiplyAdd(p, w4, t3);
                p = TOps.Create(Unsafe.Add(ref bottom, 0));
                m0 = TOps.MultiplyAdd(p, w0, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 1));
                m1 = TOps.MultiplyAdd(p, w0, m1);
                m0 = TOps.MultiplyAdd(p, w1, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 2));
                m2 = TOps.MultiplyAdd(p, w0, m2);
                m1 = TOps.MultiplyAdd(p, w1, m1);
                m0 = TOps.MultiplyAdd(p, w2, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 3));
                m3 = TOps.MultiplyAdd(p, w0, m3);
                m2 = TOps.MultiplyAdd(p, w1, m2);
                m1 = TOps.MultiplyAdd(p, w2, m1);
                m0 = TOps.MultiplyAdd(p, w3, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 4));
                m3 = TOps.MultiplyAdd(p, w1, m3);
                m2 = TOps.MultiplyAdd(p, w2, m2);
                m1 = TOps.MultiplyAdd(p, w3, m1);
                m0 = TOps.MultiplyAdd(p, w4, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 5));
                m3 = TOps.MultiplyAdd(p, w2, m3);
                m2 = TOps.MultiplyAdd(p, w3, m2);
                m1 = TOps.MultiplyAdd(p, w4, m1);
                p = TOps.Create(Unsafe.Add(ref bottom, 6));
                m3 = TOps.MultiplyAdd(p, w3, m3);
                m2 = TOps.MultiplyAdd(p, w4, m2);
                p = TOps.Create(Unsafe.Add(ref bottom, 7));
                m3 = TOps.MultiplyAdd(p, w4, m3);
            }
        }

        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(t0, t1, m0, m1, bias), 0, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(t2, t3, m2, m3, bias), 0, py, px + 1, outChannels, output, outRowStride, outPlaneStride, lanes);
    }

    /// <summary>
    /// One pool window of <see cref="Sliding5x5Pair"/> (a row's last window when its count is odd).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sliding5x5Single<TOps, TVec, TAct, TPool>(
        ref float origin, int paddedHeight, int paddedWidth, int inChannels, ref float w, int padded, TVec bias,
        int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        TVec init = TPool.Averages ? bias : TOps.Zero;
        TVec t0 = init, t1 = init;
        TVec m0 = init, m1 = init;
        ref float tap = ref w;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < 5; i++)
            {
                ref float top = ref Unsafe.Add(ref origin, (((nint)c * paddedHeight) + i) * paddedWidth);
                ref float bottom = ref Unsafe.Add(ref top, paddedWidth);
                TVec w0 = TOps.Load(ref tap, 0), w1 = TOps.Load(ref tap, padded), w2 = TOps.Load(ref tap, 2 * padded);
                TVec w3 = TOps.Load(ref tap, 3 * padded), w4 = TOps.Load(ref tap, 4 * padded);
                tap = ref Unsafe.Add(ref tap, 5 * padded);
                TVec p;
                p = TOps.Create(Unsafe.Add(ref top, 0));
                t0 = TOps.MultiplyAdd(p, w0, t0);
                p = TOps.Create(Unsafe.Add(ref top, 1));
                t1 = TOps.MultiplyAdd(p, w0, t1);
                t0 = TOps.MultiplyAdd(p, w1, t0);
                p = TOps.Create(Unsafe.Add(ref top, 2));
                t1 = TOps.MultiplyAdd(p, w1, t1);
                t0 = TOps.MultiplyAdd(p, w2, t0);
                p = TOps.Create(Unsafe.Add(ref top, 3));
                t1 = TOps.MultiplyAdd(p, w2, t1);
                t0 = TOps.MultiplyAdd(p, w3, t0);
                p = TOps.Create(Unsafe.Add(ref top, 4));
                t1 = TOps.MultiplyAdd(p, w3, t1);
                t0 = TOps.MultiplyAdd(p, w4, t0);
                p = TOps.Create(Unsafe.Add(ref top, 5));
                t1 = TOps.MultiplyAdd(p, w4, t1);
                p = TOps.Create(Unsafe.Add(ref bottom, 0));
                m0 = TOps.MultiplyAdd(p, w0, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 1));
                m1 = TOps.MultiplyAdd(p, w0, m1);
                m0 = TOps.MultiplyAdd(p, w1, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 2));
                m1 = TOps.MultiplyAdd(p, w1, m1);
                m0 = TOps.MultiplyAdd(p, w2, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 3));
                m1 = TOps.MultiplyAdd(p, w2, m1);
                m0 = TOps.MultiplyAdd(p, w3, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 4));
                m1 = TOps.MultiplyAdd(p, w3, m1);
                m0 = TOps.MultiplyAdd(p, w4, m0);
                p = TOps.Create(Unsafe.Add(ref bottom, 5));
                m1 = TOps.MultiplyAdd(p, w4, m1);
            }
        }

        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(t0, t1, m0, m1, bias), 0, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
    }

    /// <summary>
    /// <see cref="Pooled"/> for many channel vectors (pytorch/examples' Net: conv2's 64 channels are 4
    /// Vector512s or 8 Vector256s): one window at a time, a group of 4 channel vectors (2 on 16-register
    /// CPUs) × the window's 4 positions = 16 (8) accumulators sharing each broadcast input pixel: 4 weight
    /// loads and 4 broadcasts per 16 FMAs, where the two-window block needs 10 loads per 8 FMAs. Each
    /// accumulator sums the same terms in the same order as there, so the results are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PooledWide<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> input, int paddedHeight, int paddedWidth, int inChannels, int k, int stride,
        ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, int outChannels, int pooledHeight, int pooledWidth,
        Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        int vl = TOps.Count;
        int padded = PaddedChannels(outChannels);
        int vectors = padded / vl;

        // 32 vector registers come with AVX-512 (Vector512); otherwise assume 16.
        int group = vl == 16 ? 4 : 2;
        ref float x = ref MemoryMarshal.GetReference(input);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float b = ref MemoryMarshal.GetReference(bias);
        nint right = stride, down = (nint)stride * paddedWidth;

        // A group of channel vectors runs over every window before the next group starts, so the group's
        // weights (taps × group vectors) stay in the L1 cache instead of all the weights streaming in per window.
        for (int v = 0; v < vectors;)
        {
            // With 16 registers: 3 vectors × 4 positions = 12 accumulators + 3 weights + 1 broadcast; 4 left go as 2 + 2.
            int take = group == 4 && v + 4 <= vectors ? 4 : group == 2 && v + 3 <= vectors && vectors - v != 4 ? 3 : 2;

            // An odd last vector is computed as a pair with the one before it (again) and stored once.
            int first = Math.Min(v, vectors - 2);
            ref float groupWeights = ref Unsafe.Add(ref w, first * vl);
            for (int py = 0; py < pooledHeight; py++)
            {
                for (int px = 0; px < pooledWidth; px++)
                {
                    ref float origin = ref Unsafe.Add(ref x, (2 * py * stride * paddedWidth) + (2 * px * stride));
                    switch (take)
                    {
                        case 4:
                            Window4<TOps, TVec, TAct, TPool>(ref origin, paddedHeight, paddedWidth, inChannels, k, right, down, ref groupWeights, padded, ref b, first, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
                            break;
                        case 3:
                            Window3<TOps, TVec, TAct, TPool>(ref origin, paddedHeight, paddedWidth, inChannels, k, right, down, ref groupWeights, padded, ref b, first, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
                            break;
                        default:
                            Window2<TOps, TVec, TAct, TPool>(ref origin, paddedHeight, paddedWidth, inChannels, k, right, down, ref groupWeights, padded, ref b, first, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
                            break;
                    }
                }
            }

            v += take;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window4<TOps, TVec, TAct, TPool>(
        ref float origin, int paddedHeight, int paddedWidth, int inChannels, int k, nint right, nint down, ref float weights, int padded,
        ref float b, int vector, int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        nint vl = TOps.Count;
        TVec bias0 = TOps.Load(ref b, vector * vl), bias1 = TOps.Load(ref b, (vector + 1) * vl);
        TVec bias2 = TOps.Load(ref b, (vector + 2) * vl), bias3 = TOps.Load(ref b, (vector + 3) * vl);
        TVec a0 = TPool.Averages ? bias0 : TOps.Zero, a1 = a0, a2 = a0, a3 = a0;
        TVec c0 = TPool.Averages ? bias1 : TOps.Zero, c1 = c0, c2 = c0, c3 = c0;
        TVec e0 = TPool.Averages ? bias2 : TOps.Zero, e1 = e0, e2 = e0, e3 = e0;
        TVec g0 = TPool.Averages ? bias3 : TOps.Zero, g1 = g0, g2 = g0, g3 = g0;
        ref float tap = ref weights;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                ref float p = ref Unsafe.Add(ref origin, (((nint)c * paddedHeight) + i) * paddedWidth);
                for (int j = 0; j < k; j++)
                {
                    TVec w0 = TOps.Load(ref tap, 0), w1 = TOps.Load(ref tap, vl), w2 = TOps.Load(ref tap, 2 * vl), w3 = TOps.Load(ref tap, 3 * vl);
                    TVec s = TOps.Create(Unsafe.Add(ref p, j));
                    a0 = TOps.MultiplyAdd(s, w0, a0);
                    c0 = TOps.MultiplyAdd(s, w1, c0);
                    e0 = TOps.MultiplyAdd(s, w2, e0);
                    g0 = TOps.MultiplyAdd(s, w3, g0);
                    s = TOps.Create(Unsafe.Add(ref p, j + right));
                    a1 = TOps.MultiplyAdd(s, w0, a1);
                    c1 = TOps.MultiplyAdd(s, w1, c1);
                    e1 = TOps.MultiplyAdd(s, w2, e1);
                    g1 = TOps.MultiplyAdd(s, w3, g1);
                    s = TOps.Create(Unsafe.Add(ref p, j + down));
                    a2 = TOps.MultiplyAdd(s, w0, a2);
                    c2 = TOps.MultiplyAdd(s, w1, c2);
                    e2 = TOps.MultiplyAdd(s, w2, e2);
                    g2 = TOps.MultiplyAdd(s, w3, g2);
                    s = TOps.Create(Unsafe.Add(ref p, j + down + right));
                    a3 = TOps.MultiplyAdd(s, w0, a3);
                    c3 = TOps.MultiplyAdd(s, w1, c3);
                    e3 = TOps.MultiplyAdd(s, w2, e3);
                    g3 = TOps.MultiplyAdd(s, w3, g3);
                    tap = ref Unsafe.Add(ref tap, padded);
                }
            }
        }

        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias0), vector, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias1), vector + 1, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(e0, e1, e2, e3, bias2), vector + 2, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(g0, g1, g2, g3, bias3), vector + 3, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
    }

    /// <summary>
    /// Three channel vectors × the window's 4 positions = 12 accumulators, for 16-register CPUs (AVX2), where
    /// <see cref="Window2"/>'s 8 accumulators are exactly the FMA latency × pipes and leave the FMA units
    /// waiting: 3 weight loads and 4 broadcasts per 12 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window3<TOps, TVec, TAct, TPool>(
        ref float origin, int paddedHeight, int paddedWidth, int inChannels, int k, nint right, nint down, ref float weights, int padded,
        ref float b, int vector, int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        nint vl = TOps.Count;
        TVec bias0 = TOps.Load(ref b, vector * vl), bias1 = TOps.Load(ref b, (vector + 1) * vl), bias2 = TOps.Load(ref b, (vector + 2) * vl);
        TVec a0 = TPool.Averages ? bias0 : TOps.Zero, a1 = a0, a2 = a0, a3 = a0;
        TVec c0 = TPool.Averages ? bias1 : TOps.Zero, c1 = c0, c2 = c0, c3 = c0;
        TVec e0 = TPool.Averages ? bias2 : TOps.Zero, e1 = e0, e2 = e0, e3 = e0;
        ref float tap = ref weights;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                ref float p = ref Unsafe.Add(ref origin, (((nint)c * paddedHeight) + i) * paddedWidth);
                for (int j = 0; j < k; j++)
                {
                    TVec w0 = TOps.Load(ref tap, 0), w1 = TOps.Load(ref tap, vl), w2 = TOps.Load(ref tap, 2 * vl);
                    TVec s = TOps.Create(Unsafe.Add(ref p, j));
                    a0 = TOps.MultiplyAdd(s, w0, a0);
                    c0 = TOps.MultiplyAdd(s, w1, c0);
                    e0 = TOps.MultiplyAdd(s, w2, e0);
                    s = TOps.Create(Unsafe.Add(ref p, j + right));
                    a1 = TOps.MultiplyAdd(s, w0, a1);
                    c1 = TOps.MultiplyAdd(s, w1, c1);
                    e1 = TOps.MultiplyAdd(s, w2, e1);
                    s = TOps.Create(Unsafe.Add(ref p, j + down));
                    a2 = TOps.MultiplyAdd(s, w0, a2);
                    c2 = TOps.MultiplyAdd(s, w1, c2);
                    e2 = TOps.MultiplyAdd(s, w2, e2);
                    s = TOps.Create(Unsafe.Add(ref p, j + down + right));
                    a3 = TOps.MultiplyAdd(s, w0, a3);
                    c3 = TOps.MultiplyAdd(s, w1, c3);
                    e3 = TOps.MultiplyAdd(s, w2, e3);
                    tap = ref Unsafe.Add(ref tap, padded);
                }
            }
        }

        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias0), vector, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias1), vector + 1, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(e0, e1, e2, e3, bias2), vector + 2, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window2<TOps, TVec, TAct, TPool>(
        ref float origin, int paddedHeight, int paddedWidth, int inChannels, int k, nint right, nint down, ref float weights, int padded,
        ref float b, int vector, int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        nint vl = TOps.Count;
        TVec bias0 = TOps.Load(ref b, vector * vl), bias1 = TOps.Load(ref b, (vector + 1) * vl);
        TVec a0 = TPool.Averages ? bias0 : TOps.Zero, a1 = a0, a2 = a0, a3 = a0;
        TVec c0 = TPool.Averages ? bias1 : TOps.Zero, c1 = c0, c2 = c0, c3 = c0;
        ref float tap = ref weights;
        for (int c = 0; c < inChannels; c++)
        {
            for (int i = 0; i < k; i++)
            {
                ref float p = ref Unsafe.Add(ref origin, (((nint)c * paddedHeight) + i) * paddedWidth);
                for (int j = 0; j < k; j++)
                {
                    TVec w0 = TOps.Load(ref tap, 0), w1 = TOps.Load(ref tap, vl);
                    TVec s = TOps.Create(Unsafe.Add(ref p, j));
                    a0 = TOps.MultiplyAdd(s, w0, a0);
                    c0 = TOps.MultiplyAdd(s, w1, c0);
                    s = TOps.Create(Unsafe.Add(ref p, j + right));
                    a1 = TOps.MultiplyAdd(s, w0, a1);
                    c1 = TOps.MultiplyAdd(s, w1, c1);
                    s = TOps.Create(Unsafe.Add(ref p, j + down));
                    a2 = TOps.MultiplyAdd(s, w0, a2);
                    c2 = TOps.MultiplyAdd(s, w1, c2);
                    s = TOps.Create(Unsafe.Add(ref p, j + down + right));
                    a3 = TOps.MultiplyAdd(s, w0, a3);
                    c3 = TOps.MultiplyAdd(s, w1, c3);
                    tap = ref Unsafe.Add(ref tap, padded);
                }
            }
        }

        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias1), vector + 1, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
        Scatter<TOps, TVec>(Epilogue<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias0), vector, py, px, outChannels, output, outRowStride, outPlaneStride, lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Epilogue<TOps, TVec, TAct, TPool>(TVec v0, TVec v1, TVec v2, TVec v3, TVec bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        // As in the tile kernel: averaging activates each value (the bias is already in); the max commutes
        // with the monotonic activation and the bias, which are applied once.
        if (TPool.Averages)
        {
            TVec sum = TOps.Add(
                TOps.Add(TAct.Apply<TOps, TVec>(v0), TAct.Apply<TOps, TVec>(v1)),
                TOps.Add(TAct.Apply<TOps, TVec>(v2), TAct.Apply<TOps, TVec>(v3)));
            return TOps.Multiply(sum, TOps.Create(0.25f));
        }

        return TAct.Apply<TOps, TVec>(TOps.Add(TOps.Max(TOps.Max(v0, v1), TOps.Max(v2, v3)), bias));
    }

    /// <summary>Writes the channel vector of pooled pixel (py, px) into the channel planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scatter<TOps, TVec>(TVec value, int vector, int py, int px, int outChannels, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TOps.Store(value, ref MemoryMarshal.GetReference(lanes), 0);
        int first = vector * TOps.Count;
        int count = Math.Min(TOps.Count, outChannels - first);
        int offset = (py * outRowStride) + px;
        for (int l = 0; l < count; l++)
        {
            output[((first + l) * outPlaneStride) + offset] = lanes[l];
        }
    }
}
