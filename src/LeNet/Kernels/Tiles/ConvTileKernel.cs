using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>
/// Convolution of one tile in the batch-inner layout (<see cref="TileMap"/>), vectorized across images:
/// each tap is one broadcast weight times one vector of images. Weights are packed by
/// <see cref="PackWeights(ReadOnlySpan{float}, int, int, int)"/> as [O/2, C, K, K, 2] so a tap's two output channels sit side by side.
/// </summary>
/// <remarks>
/// Register block: 2 output channels × 4 output positions = 8 accumulators. When a 2×2, stride-2 pool
/// follows, the 4 positions are the pool window and the epilogue (bias, activation, pool) runs while
/// they are still in registers, so the full-resolution map is never stored. At stride 1 the two
/// columns of the window share loaded input columns along the kernel row: 2 loads and 2 broadcasts
/// per 8 FMAs.
/// </remarks>
internal static class ConvTileKernel
{
    /// <summary>Packs weight [O, C, K, K] as [⌈O/2⌉, C, K, K, 2]; an odd last channel is paired with zeros.</summary>
    public static float[] PackWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int k)
    {
        var packed = new float[PackedLength(outChannels, inChannels, k)];
        PackWeights(weight, outChannels, inChannels, k, packed);
        return packed;
    }

    /// <summary>Floats of the packed weights: ⌈O/2⌉·C·K·K·2.</summary>
    public static int PackedLength(int outChannels, int inChannels, int k) => (outChannels + 1) / 2 * inChannels * k * k * 2;

    /// <summary>Packs weight [O, C, K, K] into <paramref name="packed"/> (an odd last channel's partner slots left as they are: zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int k, Span<float> packed)
    {
        int taps = inChannels * k * k;
        for (int o = 0; o < outChannels; o++)
        {
            for (int r = 0; r < taps; r++)
            {
                packed[((((o / 2) * taps) + r) * 2) + (o % 2)] = weight[(o * taps) + r];
            }
        }
    }

    /// <summary>
    /// out = pool2x2(act(conv(in) + bias)) for lanes [lane, lane + Count) of the tile: in [C, H, W] padded
    /// by the conv's padding, out [O, ⌊OH/2⌋, ⌊OW/2⌋] (any padding of its own).
    /// </summary>
    public static void Pooled<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> input, TileMap inMap, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias,
        Span<float> output, TileMap outMap, int k, int stride, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction =>
        Pooled<TOps, TVec, TAct, TPool, Discard>(input, inMap, packed, bias, output, outMap, k, stride, lane, [], default);

    /// <summary>
    /// <see cref="Pooled{TOps, TVec, TAct, TPool}"/> for training: the activations of every pooled window are
    /// also stored in <paramref name="keep"/> ([O, OH, OW]), which the backward pass needs.
    /// </summary>
    public static void PooledKeeping<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> input, TileMap inMap, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias,
        Span<float> output, TileMap outMap, int k, int stride, int lane, Span<float> keep, TileMap keepMap)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction =>
        Pooled<TOps, TVec, TAct, TPool, Keep>(input, inMap, packed, bias, output, outMap, k, stride, lane, keep, keepMap);

    /// <summary>The two above; <typeparamref name="TKeep"/> makes keeping a compile-time choice, so inference code has no trace of it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pooled<TOps, TVec, TAct, TPool, TKeep>(
        ReadOnlySpan<float> input, TileMap inMap, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias,
        Span<float> output, TileMap outMap, int k, int stride, int lane, Span<float> keep, TileMap keepMap)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
        where TKeep : IKeepMode
    {
        Debug.Assert(input.Length >= inMap.Length && output.Length >= outMap.Length);
        Debug.Assert(!TKeep.Enabled || (keep.Length >= keepMap.Length && keepMap.Channels == outMap.Channels && keepMap.Height >= 2 * outMap.Height && keepMap.Width >= 2 * outMap.Width));
        ref float kept = ref Unsafe.Add(ref MemoryMarshal.GetReference(keep), lane);
        nint keepRow = keepMap.PaddedWidth * TileMap.Lanes;
        const int L = TileMap.Lanes;
        int channels = inMap.Channels;
        int outChannels = outMap.Channels;
        int rowStride = inMap.PaddedWidth * L;
        int planeStride = inMap.PaddedHeight * rowStride;
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), lane);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), lane);
        int tapsPerPair = channels * k * k * 2;
        Span<float> spill = stackalloc float[6 * L];
        for (int o = 0; o < outChannels; o += 2)
        {
            ref float wPair = ref Unsafe.Add(ref w, (o / 2) * tapsPerPair);
            bool second = o + 1 < outChannels;
            float bias0 = bias[o], bias1 = second ? bias[o + 1] : 0f;
            for (int py = 0; py < outMap.Height; py++)
            {
                for (int px = 0; px < outMap.Width; px++)
                {
                    // Input element (row 2py·s, column 2px·s) of channel 0: the window's top-left tap.
                    ref float origin = ref Unsafe.Add(ref x, (2 * py * stride * rowStride) + (2 * px * stride * L));
                    ref float out0 = ref Unsafe.Add(ref y, outMap.Offset(o, py, px));
                    ref float out1 = ref Unsafe.Add(ref y, outMap.Offset(second ? o + 1 : o, py, px));
                    var window = TKeep.Enabled ? new Kept(ref Unsafe.Add(ref kept, keepMap.Offset(o, 2 * py, 2 * px)), keepMap.Offset(1, 0, 0) - keepMap.Offset(0, 0, 0), keepRow) : default;
                    if (k == 5 && stride == 1)
                    {
                        Window5<TOps, TVec, TAct, TPool, TKeep>(ref origin, ref wPair, channels, rowStride, planeStride, bias0, bias1, ref out0, ref out1, second, spill, window);
                    }
                    else
                    {
                        Window<TOps, TVec, TAct, TPool, TKeep>(ref origin, ref wPair, channels, k, stride, rowStride, planeStride, bias0, bias1, ref out0, ref out1, second, window);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window<TOps, TVec, TAct, TPool, TKeep>(
        ref float origin, ref float wPair, int channels, int k, int stride, int rowStride, int planeStride,
        float bias0, float bias1, ref float out0, ref float out1, bool second, Kept kept)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
        where TKeep : IKeepMode
    {
        const int L = TileMap.Lanes;

        // Averaging applies the activation to each of the 4 values, so the bias goes in first; max-pooling
        // commutes with the (monotonic) activation and with the bias, which are applied once afterwards.
        TVec init0 = TPool.Averages ? TOps.Create(bias0) : TOps.Zero;
        TVec init1 = TPool.Averages ? TOps.Create(bias1) : TOps.Zero;
        TVec c00 = init0, c01 = init0, c10 = init0, c11 = init0;
        TVec d00 = init1, d01 = init1, d10 = init1, d11 = init1;
        ref float wTap = ref wPair;
        int colStep = stride * L;
        for (int c = 0; c < channels; c++)
        {
            ref float plane = ref Unsafe.Add(ref origin, c * planeStride);
            for (int i = 0; i < k; i++)
            {
                ref float rowA = ref Unsafe.Add(ref plane, i * rowStride);
                ref float rowB = ref Unsafe.Add(ref rowA, stride * rowStride);
                if (stride == 1)
                {
                    // Column j + 1 of this kernel row is column j of the window's right half: load it once.
                    TVec a0 = TOps.Load(ref rowA, 0);
                    TVec b0 = TOps.Load(ref rowB, 0);
                    for (int j = 0; j < k; j++)
                    {
                        TVec a1 = TOps.Load(ref rowA, (j + 1) * L);
                        TVec b1 = TOps.Load(ref rowB, (j + 1) * L);
                        TVec w0 = TOps.Create(Unsafe.Add(ref wTap, 2 * j));
                        TVec w1 = TOps.Create(Unsafe.Add(ref wTap, (2 * j) + 1));
                        c00 = TOps.MultiplyAdd(w0, a0, c00);
                        c01 = TOps.MultiplyAdd(w0, a1, c01);
                        c10 = TOps.MultiplyAdd(w0, b0, c10);
                        c11 = TOps.MultiplyAdd(w0, b1, c11);
                        d00 = TOps.MultiplyAdd(w1, a0, d00);
                        d01 = TOps.MultiplyAdd(w1, a1, d01);
                        d10 = TOps.MultiplyAdd(w1, b0, d10);
                        d11 = TOps.MultiplyAdd(w1, b1, d11);
                        a0 = a1;
                        b0 = b1;
                    }
                }
                else
                {
                    for (int j = 0; j < k; j++)
                    {
                        TVec a0 = TOps.Load(ref rowA, j * L);
                        TVec a1 = TOps.Load(ref rowA, colStep + (j * L));
                        TVec b0 = TOps.Load(ref rowB, j * L);
                        TVec b1 = TOps.Load(ref rowB, colStep + (j * L));
                        TVec w0 = TOps.Create(Unsafe.Add(ref wTap, 2 * j));
                        TVec w1 = TOps.Create(Unsafe.Add(ref wTap, (2 * j) + 1));
                        c00 = TOps.MultiplyAdd(w0, a0, c00);
                        c01 = TOps.MultiplyAdd(w0, a1, c01);
                        c10 = TOps.MultiplyAdd(w0, b0, c10);
                        c11 = TOps.MultiplyAdd(w0, b1, c11);
                        d00 = TOps.MultiplyAdd(w1, a0, d00);
                        d01 = TOps.MultiplyAdd(w1, a1, d01);
                        d10 = TOps.MultiplyAdd(w1, b0, d10);
                        d11 = TOps.MultiplyAdd(w1, b1, d11);
                    }
                }

                wTap = ref Unsafe.Add(ref wTap, 2 * k);
            }
        }

        if (second)
        {
            TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(d00, d01, d10, d11, bias1, kept, 1), ref out1, 0);
        }

        TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(c00, c01, c10, c11, bias0, kept, 0), ref out0, 0);
    }

    /// <summary>
    /// <see cref="Window"/> for LeNet's 5×5 stride-1 kernels, the kernel row unrolled: the 6 input columns
    /// of each of the 2 rows are loaded once and every address is a constant offset (the generic loop
    /// spends as many instructions on indexing and register moves as on FMAs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Window5<TOps, TVec, TAct, TPool, TKeep>(
        ref float origin, ref float wPair, int channels, nint rowStride, nint planeStride,
        float bias0, float bias1, ref float out0, ref float out1, bool second, Span<float> spill, Kept kept)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
        where TKeep : IKeepMode
    {
        const int L = TileMap.Lanes;
        TVec init0 = TPool.Averages ? TOps.Create(bias0) : TOps.Zero;
        TVec init1 = TPool.Averages ? TOps.Create(bias1) : TOps.Zero;
        TVec c00 = init0, c01 = init0, c10 = init0, c11 = init0;
        TVec d00 = init1, d01 = init1, d10 = init1, d11 = init1;
        ref float wTap = ref wPair;
        for (int c = 0; c < channels; c++)
        {
            ref float rowA = ref Unsafe.Add(ref origin, c * planeStride);
            for (int i = 0; i < 5; i++)
            {
                ref float rowB = ref Unsafe.Add(ref rowA, rowStride);
                TVec a0 = TOps.Load(ref rowA, 0), b0 = TOps.Load(ref rowB, 0);
                TVec a1 = TOps.Load(ref rowA, L), b1 = TOps.Load(ref rowB, L);
                Taps(ref wTap, 0, a0, a1, b0, b1, ref c00, ref c01, ref c10, ref c11, ref d00, ref d01, ref d10, ref d11);
                a0 = TOps.Load(ref rowA, 2 * L);
                b0 = TOps.Load(ref rowB, 2 * L);
                Taps(ref wTap, 2, a1, a0, b1, b0, ref c00, ref c01, ref c10, ref c11, ref d00, ref d01, ref d10, ref d11);
                a1 = TOps.Load(ref rowA, 3 * L);
                b1 = TOps.Load(ref rowB, 3 * L);
                Taps(ref wTap, 4, a0, a1, b0, b1, ref c00, ref c01, ref c10, ref c11, ref d00, ref d01, ref d10, ref d11);
                a0 = TOps.Load(ref rowA, 4 * L);
                b0 = TOps.Load(ref rowB, 4 * L);
                Taps(ref wTap, 6, a1, a0, b1, b0, ref c00, ref c01, ref c10, ref c11, ref d00, ref d01, ref d10, ref d11);
                a1 = TOps.Load(ref rowA, 5 * L);
                b1 = TOps.Load(ref rowB, 5 * L);
                Taps(ref wTap, 8, a0, a1, b0, b1, ref c00, ref c01, ref c10, ref c11, ref d00, ref d01, ref d10, ref d11);
                wTap = ref Unsafe.Add(ref wTap, 10);
                rowA = ref Unsafe.Add(ref rowA, rowStride);
            }
        }

        if (Avx512F.IsSupported)
        {
            if (second)
            {
                TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(d00, d01, d10, d11, bias1, kept, 1), ref out1, 0);
            }

            TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(c00, c01, c10, c11, bias0, kept, 0), ref out0, 0);
            return;
        }

        // 16 registers cannot hold 8 accumulators and the sigmoid's constants: park the accumulators in
        // the output cells (stores are cheap; spilled temporaries on the sigmoid's dependency chains
        // are not), then run the epilogue on one channel at a time.
        TOps.Store(d00, ref out1, 0);
        TOps.Store(c00, ref out0, 0);
        ref float parked = ref MemoryMarshal.GetReference(spill);
        TOps.Store(c01, ref parked, 0);
        TOps.Store(c10, ref parked, TOps.Count);
        TOps.Store(c11, ref parked, 2 * TOps.Count);
        TOps.Store(d01, ref parked, 3 * TOps.Count);
        TOps.Store(d10, ref parked, 4 * TOps.Count);
        TOps.Store(d11, ref parked, 5 * TOps.Count);
        if (second)
        {
            TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(TOps.Load(ref out1, 0), TOps.Load(ref parked, 3 * TOps.Count), TOps.Load(ref parked, 4 * TOps.Count), TOps.Load(ref parked, 5 * TOps.Count), bias1, kept, 1), ref out1, 0);
        }

        TOps.Store(Epilogue<TOps, TVec, TAct, TPool, TKeep>(TOps.Load(ref out0, 0), TOps.Load(ref parked, 0), TOps.Load(ref parked, TOps.Count), TOps.Load(ref parked, 2 * TOps.Count), bias0, kept, 0), ref out0, 0);

        // One tap for both channels: columns (left, right) of rows A and B; weights at wTap[w], wTap[w + 1].
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Taps(
            ref float wTap, nint w, TVec aLeft, TVec aRight, TVec bLeft, TVec bRight,
            ref TVec c00, ref TVec c01, ref TVec c10, ref TVec c11, ref TVec d00, ref TVec d01, ref TVec d10, ref TVec d11)
        {
            TVec w0 = TOps.Create(Unsafe.Add(ref wTap, w));
            TVec w1 = TOps.Create(Unsafe.Add(ref wTap, w + 1));
            c00 = TOps.MultiplyAdd(w0, aLeft, c00);
            c01 = TOps.MultiplyAdd(w0, aRight, c01);
            c10 = TOps.MultiplyAdd(w0, bLeft, c10);
            c11 = TOps.MultiplyAdd(w0, bRight, c11);
            d00 = TOps.MultiplyAdd(w1, aLeft, d00);
            d01 = TOps.MultiplyAdd(w1, aRight, d01);
            d10 = TOps.MultiplyAdd(w1, bLeft, d10);
            d11 = TOps.MultiplyAdd(w1, bRight, d11);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Epilogue<TOps, TVec, TAct, TPool, TKeep>(TVec v00, TVec v01, TVec v10, TVec v11, float bias, Kept kept, int channel)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
        where TKeep : IKeepMode
    {
        if (TKeep.Enabled)
        {
            return KeepingEpilogue<TOps, TVec, TAct, TPool, TKeep>(v00, v01, v10, v11, bias, ref Unsafe.Add(ref kept.Origin, channel * kept.ChannelStride), kept.RowStride);
        }

        if (TPool.Averages)
        {
            TVec sum = TOps.Add(
                TOps.Add(TAct.Apply<TOps, TVec>(v00), TAct.Apply<TOps, TVec>(v01)),
                TOps.Add(TAct.Apply<TOps, TVec>(v10), TAct.Apply<TOps, TVec>(v11)));
            return TOps.Multiply(sum, TOps.Create(0.25f));
        }

        TVec max = TOps.Max(TOps.Max(v00, v01), TOps.Max(v10, v11));
        return TAct.Apply<TOps, TVec>(TOps.Add(max, TOps.Create(bias)));
    }

    /// <summary>
    /// The epilogue of a training forward pass: the window's four activations are stored (row-major at
    /// <paramref name="keep"/>) for the backward pass, then pooled. The pooled value is the same as
    /// <see cref="Epilogue"/>'s: the same sums for the mean, and the max of the activations equals the
    /// activation of the max plus bias (both are monotonic and rounding is too).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec KeepingEpilogue<TOps, TVec, TAct, TPool, TKeep>(TVec v00, TVec v01, TVec v10, TVec v11, float bias, ref float keep, nint keepRow)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        const int L = TileMap.Lanes;
        TVec b = TPool.Averages ? TOps.Zero : TOps.Create(bias);
        TVec a00 = TAct.Apply<TOps, TVec>(TPool.Averages ? v00 : TOps.Add(v00, b));
        TVec a01 = TAct.Apply<TOps, TVec>(TPool.Averages ? v01 : TOps.Add(v01, b));
        TVec a10 = TAct.Apply<TOps, TVec>(TPool.Averages ? v10 : TOps.Add(v10, b));
        TVec a11 = TAct.Apply<TOps, TVec>(TPool.Averages ? v11 : TOps.Add(v11, b));
        TOps.Store(a00, ref keep, 0);
        TOps.Store(a01, ref keep, L);
        TOps.Store(a10, ref keep, keepRow);
        TOps.Store(a11, ref keep, keepRow + L);
        return TPool.Averages
            ? TOps.Multiply(TOps.Add(TOps.Add(a00, a01), TOps.Add(a10, a11)), TOps.Create(0.25f))
            : TOps.Max(TOps.Max(a00, a01), TOps.Max(a10, a11));
    }

    /// <summary>
    /// out = act(conv(in) + bias) for lanes [lane, lane + Count): in [C, H, W] padded by the conv's
    /// padding, out [O, OH, OW]. Blocks of 4 positions along a row; past the row's end a block recomputes
    /// (and re-stores) the last position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plain<TOps, TVec, TAct>(
        ReadOnlySpan<float> input, TileMap inMap, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias,
        Span<float> output, TileMap outMap, int k, int stride, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(input.Length >= inMap.Length && output.Length >= outMap.Length);
        const int L = TileMap.Lanes;
        int channels = inMap.Channels;
        int outChannels = outMap.Channels;
        int rowStride = inMap.PaddedWidth * L;
        int planeStride = inMap.PaddedHeight * rowStride;
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), lane);
        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), lane);
        int tapsPerPair = channels * k * k * 2;
        int last = outMap.Width - 1;
        for (int o = 0; o < outChannels; o += 2)
        {
            ref float wPair = ref Unsafe.Add(ref w, (o / 2) * tapsPerPair);
            int o1 = Math.Min(o + 1, outChannels - 1);
            TVec b0 = TOps.Create(bias[o]), b1 = TOps.Create(o + 1 < outChannels ? bias[o + 1] : 0f);
            for (int oy = 0; oy < outMap.Height; oy++)
            {
                for (int ox = 0; ox < outMap.Width; ox += 4)
                {
                    int x0 = ox, x1 = Math.Min(ox + 1, last), x2 = Math.Min(ox + 2, last), x3 = Math.Min(ox + 3, last);
                    TVec c0 = b0, c1 = b0, c2 = b0, c3 = b0, d0 = b1, d1 = b1, d2 = b1, d3 = b1;
                    ref float wTap = ref wPair;
                    for (int c = 0; c < channels; c++)
                    {
                        for (int i = 0; i < k; i++)
                        {
                            ref float row = ref Unsafe.Add(ref x, (c * planeStride) + (((oy * stride) + i) * rowStride));
                            for (int j = 0; j < k; j++)
                            {
                                TVec v0 = TOps.Load(ref row, ((x0 * stride) + j) * L);
                                TVec v1 = TOps.Load(ref row, ((x1 * stride) + j) * L);
                                TVec v2 = TOps.Load(ref row, ((x2 * stride) + j) * L);
                                TVec v3 = TOps.Load(ref row, ((x3 * stride) + j) * L);
                                TVec w0 = TOps.Create(Unsafe.Add(ref wTap, 2 * j));
                                TVec w1 = TOps.Create(Unsafe.Add(ref wTap, (2 * j) + 1));
                                c0 = TOps.MultiplyAdd(w0, v0, c0);
                                c1 = TOps.MultiplyAdd(w0, v1, c1);
                                c2 = TOps.MultiplyAdd(w0, v2, c2);
                                c3 = TOps.MultiplyAdd(w0, v3, c3);
                                d0 = TOps.MultiplyAdd(w1, v0, d0);
                                d1 = TOps.MultiplyAdd(w1, v1, d1);
                                d2 = TOps.MultiplyAdd(w1, v2, d2);
                                d3 = TOps.MultiplyAdd(w1, v3, d3);
                            }

                            wTap = ref Unsafe.Add(ref wTap, 2 * k);
                        }
                    }

                    // The odd channel's duplicate row (o1 == o) is stored first and overwritten by the real one.
                    TOps.Store(TAct.Apply<TOps, TVec>(d3), ref y, outMap.Offset(o1, oy, x3));
                    TOps.Store(TAct.Apply<TOps, TVec>(d2), ref y, outMap.Offset(o1, oy, x2));
                    TOps.Store(TAct.Apply<TOps, TVec>(d1), ref y, outMap.Offset(o1, oy, x1));
                    TOps.Store(TAct.Apply<TOps, TVec>(d0), ref y, outMap.Offset(o1, oy, x0));
                    TOps.Store(TAct.Apply<TOps, TVec>(c3), ref y, outMap.Offset(o, oy, x3));
                    TOps.Store(TAct.Apply<TOps, TVec>(c2), ref y, outMap.Offset(o, oy, x2));
                    TOps.Store(TAct.Apply<TOps, TVec>(c1), ref y, outMap.Offset(o, oy, x1));
                    TOps.Store(TAct.Apply<TOps, TVec>(c0), ref y, outMap.Offset(o, oy, x0));
                }
            }
        }
    }

    /// <summary>Where a window's activations are kept in training (unused in inference).</summary>
    private readonly ref struct Kept(ref float origin, nint channelStride, nint rowStride)
    {
        public readonly ref float Origin = ref origin;
        public readonly nint ChannelStride = channelStride;
        public readonly nint RowStride = rowStride;
    }

    /// <summary>Whether a pooled convolution keeps its activations: a type, so each choice compiles to its own code.</summary>
    private interface IKeepMode
    {
        static abstract bool Enabled { get; }
    }

    private readonly struct Keep : IKeepMode
    {
        public static bool Enabled => true;
    }

    private readonly struct Discard : IKeepMode
    {
        public static bool Enabled => false;
    }
}
