using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// A strided convolution on few input channels, direct: output[o, y, x] = act(bias[o] + Σ_r weight[o, r] ·
/// input[c, y·s + i, x·s + j]) over the taps r = (c, i, j), read from the phase-split rows of
/// <see cref="ConvStemPlan"/> (no im2col, no GEMM buffer) and written straight into the padded output map.
/// </summary>
/// <remarks>
/// Vectorized over output pixels of a row; a tap's 4 weights (one per output channel of the block) are
/// broadcast from one packed stream. Register block: <see cref="BlockChannels"/> output channels × 3 pixel
/// vectors (12 accumulators + 3 pixel vectors + 1 broadcast: fits AVX2's 16 registers), then single vectors, then
/// the row's last partial vector through the scratch. Each output is bias + taps 0..R−1 in order, one FMA each,
/// the order of <see cref="ConvGemmKernel"/>: the same bits as the GEMM path, and the same whatever part of the
/// rows a thread runs.
/// </remarks>
internal static class ConvStemKernel
{
    /// <summary>Output channels per register block (and per packed panel).</summary>
    public const int BlockChannels = 4;

    /// <summary>Output channels rounded up to whole blocks.</summary>
    public static int PaddedChannels(int channels) => (channels + BlockChannels - 1) / BlockChannels * BlockChannels;

    /// <summary>Packs weight [O, R] (R = C·k·k taps) as [⌈O/4⌉, R, 4], the missing channels of the last block zero.</summary>
    public static float[] PackWeights(ReadOnlySpan<float> weight, int channels, int taps)
    {
        var packed = new float[PaddedChannels(channels) * taps];
        for (int o = 0; o < channels; o++)
        {
            int q = o / BlockChannels, lane = o % BlockChannels;
            for (int r = 0; r < taps; r++)
            {
                packed[(((q * taps) + r) * BlockChannels) + lane] = weight[(o * taps) + r];
            }
        }

        return packed;
    }

    /// <summary>Floats of scratch the rows need: a sink row for a last block's missing channels and one vector per channel of a block.</summary>
    private static int ScratchLength(int outWidth) => ((outWidth + ConvImagePlan.PixelAlign - 1) / ConvImagePlan.PixelAlign * ConvImagePlan.PixelAlign) + (BlockChannels * ConvImagePlan.PixelAlign);

    /// <summary>
    /// Splits padded input rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of
    /// the C·Hp rows of <paramref name="padded"/> [C, Hp, Wp] into their column phases in <paramref name="phases"/>,
    /// zeroing each phase's slack. A copy: no arithmetic, the same bits at every width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SplitPhases<TOps, TVec>(ConvStemPlan plan, ReadOnlySpan<float> padded, Span<float> phases, int first, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int s = plan.Geometry.Stride, wp = plan.PaddedWidth, length = plan.PhaseLength;
        Debug.Assert(padded.Length >= plan.Geometry.InChannels * plan.PaddedHeight * wp && phases.Length >= plan.PhasesLength);
        int vl = TOps.Count;
        for (int row = first; row < first + count; row++)
        {
            ReadOnlySpan<float> source = padded.Slice(row * wp, wp);
            Span<float> target = phases.Slice(row * s * length, s * length);
            int t = 0;
            if (s == 2 && vl > 1)
            {
                // Two vectors of the row give one vector of each phase: evens and odds of their concatenation.
                ref float src = ref MemoryMarshal.GetReference(source);
                ref float dst = ref MemoryMarshal.GetReference(target);
                for (; (2 * t) + (2 * vl) <= wp; t += vl)
                {
                    TVec a = TOps.Load(ref src, 2 * t), b = TOps.Load(ref src, (2 * t) + vl);
                    TOps.Store(TOps.Evens(a, b), ref dst, t);
                    TOps.Store(TOps.Odds(a, b), ref dst, length + t);
                }
            }

            for (int q = 0; q < s; q++)
            {
                Span<float> phase = target.Slice(q * length, length);
                int columns = (wp - q + s - 1) / s;
                for (int u = t; u < columns; u++)
                {
                    phase[u] = source[q + (u * s)];
                }

                phase[Math.Max(columns, 0)..].Clear();
            }
        }
    }

    /// <summary>
    /// Output rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of every channel:
    /// packed [⌈O/4⌉, R, 4] from <see cref="PackWeights"/>, bias [O], phases from <see cref="SplitPhases{TOps, TVec}"/>;
    /// output holds channel o's row y at o·<paramref name="outPlane"/> + y·<paramref name="outRow"/> (the padded
    /// map's interior), OW floats of it written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<TOps, TVec, TAct>(ConvStemPlan plan, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, ReadOnlySpan<float> phases, Span<float> output, int outRow, int outPlane, int first, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        ConvGeometry g = plan.Geometry;
        int taps = plan.Offsets.Length, channels = g.OutChannels, ow = g.OutWidth, vl = TOps.Count;
        int blocks = PaddedChannels(channels) / BlockChannels;
        int full = ow / vl, tail = ow - (full * vl);
        Debug.Assert(packed.Length == blocks * BlockChannels * taps && bias.Length >= channels);
        Debug.Assert(phases.Length >= plan.PhasesLength);
        Debug.Assert(first >= 0 && first + count <= g.OutHeight);
        Debug.Assert(output.Length >= ((channels - 1) * outPlane) + ((g.OutHeight - 1) * outRow) + ow);

        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float src = ref MemoryMarshal.GetReference(phases);
        ref float dst = ref MemoryMarshal.GetReference(output);
        ref int off = ref MemoryMarshal.GetReference(plan.Offsets);
        Span<float> scratch = ScratchLength(ow) <= 2048 ? stackalloc float[ScratchLength(ow)] : new float[ScratchLength(ow)];
        int sinkLength = ScratchLength(ow) - (BlockChannels * ConvImagePlan.PixelAlign);
        ref float sink = ref MemoryMarshal.GetReference(scratch);
        ref float last = ref Unsafe.Add(ref sink, sinkLength);
        Span<float> blockBias = stackalloc float[BlockChannels];
        for (int y = first; y < first + count; y++)
        {
            ref float s = ref Unsafe.Add(ref src, y * plan.RowStride);
            for (int q = 0; q < blocks; q++)
            {
                ref float wq = ref Unsafe.Add(ref w, q * taps * BlockChannels);
                int o = q * BlockChannels;
                for (int b = 0; b < BlockChannels; b++)
                {
                    blockBias[b] = o + b < channels ? bias[o + b] : 0f;
                }

                // A last block's missing channels are written to the sink and never read.
                ref float d0 = ref Row(ref dst, ref sink, o, channels, y, outRow, outPlane);
                ref float d1 = ref Row(ref dst, ref sink, o + 1, channels, y, outRow, outPlane);
                ref float d2 = ref Row(ref dst, ref sink, o + 2, channels, y, outRow, outPlane);
                ref float d3 = ref Row(ref dst, ref sink, o + 3, channels, y, outRow, outPlane);
                int x = 0;
                for (; x + (3 * vl) <= full * vl; x += 3 * vl)
                {
                    Block4x3<TOps, TVec, TAct>(ref wq, ref off, taps, ref Unsafe.Add(ref s, x), blockBias, ref Unsafe.Add(ref d0, x), ref Unsafe.Add(ref d1, x), ref Unsafe.Add(ref d2, x), ref Unsafe.Add(ref d3, x));
                }

                for (; x < full * vl; x += vl)
                {
                    Block4x1<TOps, TVec, TAct>(ref wq, ref off, taps, ref Unsafe.Add(ref s, x), blockBias, ref Unsafe.Add(ref d0, x), ref Unsafe.Add(ref d1, x), ref Unsafe.Add(ref d2, x), ref Unsafe.Add(ref d3, x));
                }

                if (tail > 0)
                {
                    // The row's last, partial vector: computed whole into the scratch, its first lanes copied out.
                    Block4x1<TOps, TVec, TAct>(ref wq, ref off, taps, ref Unsafe.Add(ref s, x), blockBias, ref last, ref Unsafe.Add(ref last, vl), ref Unsafe.Add(ref last, 2 * vl), ref Unsafe.Add(ref last, 3 * vl));
                    for (int b = 0; b < BlockChannels && o + b < channels; b++)
                    {
                        scratch.Slice(sinkLength + (b * vl), tail).CopyTo(output[(((o + b) * outPlane) + (y * outRow) + x)..]);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Row(ref float output, ref float sink, int channel, int channels, int y, int outRow, int outPlane) =>
        ref channel < channels ? ref Unsafe.Add(ref output, (channel * outPlane) + (y * outRow)) : ref sink;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x3<TOps, TVec, TAct>(ref float w, ref int off, int taps, ref float src, ReadOnlySpan<float> bias, ref float d0, ref float d1, ref float d2, ref float d3)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec b0 = TOps.Create(bias[0]), b1 = TOps.Create(bias[1]), b2 = TOps.Create(bias[2]), b3 = TOps.Create(bias[3]);
        TVec a00 = b0, a01 = b0, a02 = b0;
        TVec a10 = b1, a11 = b1, a12 = b1;
        TVec a20 = b2, a21 = b2, a22 = b2;
        TVec a30 = b3, a31 = b3, a32 = b3;
        for (int r = 0; r < taps; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            ref float t = ref Unsafe.Add(ref w, r * BlockChannels);
            TVec x0 = TOps.Load(ref s, 0), x1 = TOps.Load(ref s, vl), x2 = TOps.Load(ref s, 2 * vl);
            TVec k = TOps.Create(t);
            a00 = TOps.MultiplyAdd(k, x0, a00);
            a01 = TOps.MultiplyAdd(k, x1, a01);
            a02 = TOps.MultiplyAdd(k, x2, a02);
            k = TOps.Create(Unsafe.Add(ref t, 1));
            a10 = TOps.MultiplyAdd(k, x0, a10);
            a11 = TOps.MultiplyAdd(k, x1, a11);
            a12 = TOps.MultiplyAdd(k, x2, a12);
            k = TOps.Create(Unsafe.Add(ref t, 2));
            a20 = TOps.MultiplyAdd(k, x0, a20);
            a21 = TOps.MultiplyAdd(k, x1, a21);
            a22 = TOps.MultiplyAdd(k, x2, a22);
            k = TOps.Create(Unsafe.Add(ref t, 3));
            a30 = TOps.MultiplyAdd(k, x0, a30);
            a31 = TOps.MultiplyAdd(k, x1, a31);
            a32 = TOps.MultiplyAdd(k, x2, a32);
        }

        TOps.Store(TAct.Apply<TOps, TVec>(a00), ref d0, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a01), ref d0, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a02), ref d0, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a10), ref d1, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a11), ref d1, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a12), ref d1, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a20), ref d2, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a21), ref d2, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a22), ref d2, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a30), ref d3, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a31), ref d3, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a32), ref d3, 2 * vl);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x1<TOps, TVec, TAct>(ref float w, ref int off, int taps, ref float src, ReadOnlySpan<float> bias, ref float d0, ref float d1, ref float d2, ref float d3)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        TVec a0 = TOps.Create(bias[0]), a1 = TOps.Create(bias[1]), a2 = TOps.Create(bias[2]), a3 = TOps.Create(bias[3]);
        for (int r = 0; r < taps; r++)
        {
            TVec x0 = TOps.Load(ref Unsafe.Add(ref src, Unsafe.Add(ref off, r)), 0);
            ref float t = ref Unsafe.Add(ref w, r * BlockChannels);
            a0 = TOps.MultiplyAdd(TOps.Create(t), x0, a0);
            a1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref t, 1)), x0, a1);
            a2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref t, 2)), x0, a2);
            a3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref t, 3)), x0, a3);
        }

        TOps.Store(TAct.Apply<TOps, TVec>(a0), ref d0, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a1), ref d1, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a2), ref d2, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a3), ref d3, 0);
    }
}
