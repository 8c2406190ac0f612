using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// One image's convolution as a cache-blocked GEMM over packed weights (<see cref="ConvGemmPacking"/>):
/// output[o, p] = act(bias[o] + Σ_r weight[o, r] · source[offsets[r] + p]), r = (c, i, j) over the C·k·k
/// taps, read through <see cref="ConvImagePlan"/>'s implicit GEMM (the padded input itself at stride 1,
/// a 1×1 convolution included: no im2col; the im2col columns at larger strides).
/// </summary>
/// <remarks>
/// Register block: <see cref="ConvGemmPacking.PanelChannels"/> (6) output channels × NR pixels, vectorized
/// over pixels with the panel's 6 weights of a tap broadcast from one contiguous packed stream. NR is 2
/// vectors at 256 bits and below (12 accumulators + 2 pixel vectors + 1 broadcast of 16 registers; AVX2
/// has no more) and 4 vectors at 512 bits (24 accumulators of 32): per tap 2 (4) loads and 6 broadcasts
/// feed 12 (24) FMAs, where <see cref="ConvImageKernel.Gemm{TOps, TVec, TAct}"/>'s 2×4 block spends 4
/// loads on 8. A last block of 3 vectors (169 pixels at 512 bits: 4 + 4 + 3) runs as one 6×3 block, not
/// three 6×1 blocks of 6 broadcasts per 6 FMAs. Cache blocking (GotoBLAS order): the taps go in chunks of
/// <see cref="TapBlock"/>; within a chunk one NR-wide block of pixels (≤ 16 KB of taps, in L1) meets every
/// panel of the chunk's weights (O·256 floats, in L2) before the next; partial sums go through the output
/// between chunks. Every output is bias + the taps in order 0..R−1, each one FMA, whatever the chunking,
/// the block shape, the split into parts or the thread that runs a part: the same bits at every thread count.
/// <para>
/// With a direct destination (a pad-0 output map whose rows are the GEMM's rows: a 1×1 stride-1 convolution
/// without padding, or any im2col convolution) the whole vectors of valid pixels of the real channels are
/// written straight into the map, bias and activation in the epilogue, and only a channel's last partial
/// vector goes through the GEMM buffer (then its valid floats are copied): no copy pass over the output.
/// </para>
/// </remarks>
internal static class ConvGemmKernel
{
    /// <summary>KC: taps per cache block.</summary>
    public const int TapBlock = 256;

    /// <summary>Length of the output buffer: [⌈O/6⌉·6, pixels] (the last panel's spare rows are written and never read).</summary>
    public static int OutputLength(int channels, int pixels) => ConvGemmPacking.PaddedChannels(channels) * pixels;

    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/> of <see cref="Run{TOps, TVec, TAct}"/> at <paramref name="width"/>.</summary>
    public static void Run<TAct>(SimdWidth width, ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> output, int pixels, int part, int parts, Span<float> direct = default, int channels = 0, int valid = 0)
        where TAct : IActivation
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Run<Vector512Ops, Vector512<float>, TAct>(packed, bias, offsets, source, output, pixels, part, parts, direct, channels, valid);
                break;
            case SimdWidth.Vector256:
                Run<Vector256Ops, Vector256<float>, TAct>(packed, bias, offsets, source, output, pixels, part, parts, direct, channels, valid);
                break;
            case SimdWidth.Vector128:
                Run<Vector128Ops, Vector128<float>, TAct>(packed, bias, offsets, source, output, pixels, part, parts, direct, channels, valid);
                break;
            default:
                Run<ScalarOps, float, TAct>(packed, bias, offsets, source, output, pixels, part, parts, direct, channels, valid);
                break;
        }
    }

    /// <summary>
    /// packed chunk-major ([R / KC][⌈O/6⌉][KC][6], <see cref="ConvGemmPacking.Offset"/>) and bias [⌈O/6⌉·6] from <see cref="ConvGemmPacking"/>, offsets [R]; source holds
    /// every tap's run of <paramref name="pixels"/> floats; output [⌈O/6⌉·6, pixels] (<see cref="OutputLength"/>).
    /// <paramref name="pixels"/> is a multiple of the vector width. Computes part <paramref name="part"/> of
    /// <paramref name="parts"/>: a contiguous range of pixel blocks when there are at least
    /// <paramref name="parts"/> of them, else of channel panels (a small map such as resnet18's 7×7 layer).
    /// When <paramref name="direct"/> is not empty it is the output map [<paramref name="channels"/>,
    /// <paramref name="valid"/>] (pixel p of channel o at o·valid + p): every pixel p &lt; valid of every channel
    /// o &lt; channels ends there, and <paramref name="output"/> only stages the last partial vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TOps, TVec, TAct>(ReadOnlySpan<float> packed, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> output, int pixels, int part, int parts, Span<float> direct = default, int channels = 0, int valid = 0)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int mr = ConvGemmPacking.PanelChannels;
        int taps = offsets.Length;
        int vl = TOps.Count;
        int vectors = vl == 16 ? 4 : 2;
        int nr = vectors * vl;
        int panels = bias.Length / mr;
        bool straight = !direct.IsEmpty;
        Debug.Assert(taps > 0 && packed.Length == panels * mr * taps);
        Debug.Assert(pixels % vl == 0 && output.Length >= panels * mr * pixels);
        Debug.Assert(source.Length >= offsets[^1] + pixels);
        Debug.Assert(part >= 0 && part < parts);
        Debug.Assert(!straight || (channels > panels * mr - mr && channels <= panels * mr && valid <= pixels && direct.Length >= channels * valid));
        int blocks = (pixels + nr - 1) / nr;
        int b0 = 0, b1 = blocks, q0 = 0, q1 = panels;
        if (blocks >= parts)
        {
            (b0, b1) = (blocks * part / parts, blocks * (part + 1) / parts);
        }
        else
        {
            (q0, q1) = (panels * part / parts, panels * (part + 1) / parts);
        }

        ref float w = ref MemoryMarshal.GetReference(packed);
        ref float bs = ref MemoryMarshal.GetReference(bias);
        ref int off = ref MemoryMarshal.GetReference(offsets);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(output);
        ref float map = ref MemoryMarshal.GetReference(direct);
        nint stride = pixels;
        for (int k0 = 0; k0 < taps; k0 += TapBlock)
        {
            int kc = Math.Min(TapBlock, taps - k0);
            bool first = k0 == 0, last = k0 + kc == taps;
            ref int o = ref Unsafe.Add(ref off, k0);
            for (int b = b0; b < b1; b++)
            {
                int p = b * nr;
                int count = Math.Min(vectors, (pixels - p) / vl);

                // Vectors [0, inMap) of the block go straight into the map; the rest (a channel's last, partial vector) to the GEMM buffer.
                int inMap = straight ? Math.Clamp((valid - p) / vl, 0, count) : 0;
                ref float s = ref Unsafe.Add(ref src, p);
                for (int q = q0; q < q1; q++)
                {
                    ref float wq = ref Unsafe.Add(ref w, ((k0 * panels) + (q * kc)) * mr);
                    ref float bq = ref Unsafe.Add(ref bs, q * mr);
                    int rows = straight ? Math.Min(mr, channels - (q * mr)) : mr;
                    if (inMap > 0)
                    {
                        Block<TOps, TVec, TAct>(inMap, ref wq, ref o, kc, ref s, ref Unsafe.Add(ref map, (q * mr * (nint)valid) + p), valid, ref bq, first, last, rows);
                    }

                    if (inMap < count)
                    {
                        int staged = p + (inMap * vl);
                        ref float d = ref Unsafe.Add(ref dst, (q * mr * stride) + staged);
                        Block<TOps, TVec, TAct>(count - inMap, ref wq, ref o, kc, ref Unsafe.Add(ref s, inMap * vl), ref d, stride, ref bq, first, last, rows);
                        if (straight && last && staged < valid)
                        {
                            // The valid floats of the staged vectors, row by row, into the map.
                            int n = Math.Min(valid, p + (count * vl)) - staged;
                            for (int m = 0; m < rows; m++)
                            {
                                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref d, m * stride), n)
                                    .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref map, (((q * mr) + m) * (nint)valid) + staged), n));
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>A 6 × <paramref name="vectors"/> block (1 to 4 vectors of pixels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block<TOps, TVec, TAct>(int vectors, ref float w, ref int off, int kc, ref float src, ref float dst, nint stride, ref float bias, bool first, bool last, int rows)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        switch (vectors)
        {
            case 4:
                Block6x4<TOps, TVec, TAct>(ref w, ref off, kc, ref src, ref dst, stride, ref bias, first, last, rows);
                break;
            case 3:
                Block6x3<TOps, TVec, TAct>(ref w, ref off, kc, ref src, ref dst, stride, ref bias, first, last, rows);
                break;
            case 2:
                Block6x2<TOps, TVec, TAct>(ref w, ref off, kc, ref src, ref dst, stride, ref bias, first, last, rows);
                break;
            default:
                Block6x1<TOps, TVec, TAct>(ref w, ref off, kc, ref src, ref dst, stride, ref bias, first, last, rows);
                break;
        }
    }

    /// <summary>Stores an accumulator: the activation applied after the last chunk of taps, the raw partial sum before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put<TOps, TVec, TAct>(TVec value, ref float destination, nint offset, bool last)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        => TOps.Store(last ? TAct.Apply<TOps, TVec>(value) : value, ref destination, offset);

    /// <summary>Loads a partial sum of a row the block has (a direct map's last panel may have fewer than 6 real channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Get<TOps, TVec>(ref float source, nint offset, bool has)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        => has ? TOps.Load(ref source, offset) : TOps.Zero;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6x1<TOps, TVec, TAct>(ref float w, ref int off, int kc, ref float src, ref float dst, nint stride, ref float bias, bool first, bool last, int rows)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a00, a10, a20, a30, a40, a50;
        if (first)
        {
            a00 = TOps.Create(Unsafe.Add(ref bias, 0));
            a10 = TOps.Create(Unsafe.Add(ref bias, 1));
            a20 = TOps.Create(Unsafe.Add(ref bias, 2));
            a30 = TOps.Create(Unsafe.Add(ref bias, 3));
            a40 = TOps.Create(Unsafe.Add(ref bias, 4));
            a50 = TOps.Create(Unsafe.Add(ref bias, 5));
        }
        else
        {
            a00 = TOps.Load(ref dst, 0);
            a10 = Get<TOps, TVec>(ref dst, stride, rows > 1);
            a20 = Get<TOps, TVec>(ref dst, 2 * stride, rows > 2);
            a30 = Get<TOps, TVec>(ref dst, 3 * stride, rows > 3);
            a40 = Get<TOps, TVec>(ref dst, 4 * stride, rows > 4);
            a50 = Get<TOps, TVec>(ref dst, 5 * stride, rows > 5);
        }

        for (int r = 0; r < kc; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            ref float t = ref Unsafe.Add(ref w, r * ConvGemmPacking.PanelChannels);
            TVec x0 = TOps.Load(ref s, 0);
            TVec k0 = TOps.Create(Unsafe.Add(ref t, 0));
            a00 = TOps.MultiplyAdd(k0, x0, a00);
            TVec k1 = TOps.Create(Unsafe.Add(ref t, 1));
            a10 = TOps.MultiplyAdd(k1, x0, a10);
            TVec k2 = TOps.Create(Unsafe.Add(ref t, 2));
            a20 = TOps.MultiplyAdd(k2, x0, a20);
            TVec k3 = TOps.Create(Unsafe.Add(ref t, 3));
            a30 = TOps.MultiplyAdd(k3, x0, a30);
            TVec k4 = TOps.Create(Unsafe.Add(ref t, 4));
            a40 = TOps.MultiplyAdd(k4, x0, a40);
            TVec k5 = TOps.Create(Unsafe.Add(ref t, 5));
            a50 = TOps.MultiplyAdd(k5, x0, a50);
        }

        Put<TOps, TVec, TAct>(a00, ref dst, 0, last);
        if (rows > 1)
        {
            Put<TOps, TVec, TAct>(a10, ref dst, stride, last);
        }

        if (rows > 2)
        {
            Put<TOps, TVec, TAct>(a20, ref dst, 2 * stride, last);
        }

        if (rows > 3)
        {
            Put<TOps, TVec, TAct>(a30, ref dst, 3 * stride, last);
        }

        if (rows > 4)
        {
            Put<TOps, TVec, TAct>(a40, ref dst, 4 * stride, last);
        }

        if (rows > 5)
        {
            Put<TOps, TVec, TAct>(a50, ref dst, 5 * stride, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6x2<TOps, TVec, TAct>(ref float w, ref int off, int kc, ref float src, ref float dst, nint stride, ref float bias, bool first, bool last, int rows)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51;
        if (first)
        {
            a00 = a01 = TOps.Create(Unsafe.Add(ref bias, 0));
            a10 = a11 = TOps.Create(Unsafe.Add(ref bias, 1));
            a20 = a21 = TOps.Create(Unsafe.Add(ref bias, 2));
            a30 = a31 = TOps.Create(Unsafe.Add(ref bias, 3));
            a40 = a41 = TOps.Create(Unsafe.Add(ref bias, 4));
            a50 = a51 = TOps.Create(Unsafe.Add(ref bias, 5));
        }
        else
        {
            a00 = TOps.Load(ref dst, 0);
            a01 = TOps.Load(ref dst, vl);
            a10 = Get<TOps, TVec>(ref dst, stride, rows > 1);
            a11 = Get<TOps, TVec>(ref dst, stride + vl, rows > 1);
            a20 = Get<TOps, TVec>(ref dst, 2 * stride, rows > 2);
            a21 = Get<TOps, TVec>(ref dst, (2 * stride) + vl, rows > 2);
            a30 = Get<TOps, TVec>(ref dst, 3 * stride, rows > 3);
            a31 = Get<TOps, TVec>(ref dst, (3 * stride) + vl, rows > 3);
            a40 = Get<TOps, TVec>(ref dst, 4 * stride, rows > 4);
            a41 = Get<TOps, TVec>(ref dst, (4 * stride) + vl, rows > 4);
            a50 = Get<TOps, TVec>(ref dst, 5 * stride, rows > 5);
            a51 = Get<TOps, TVec>(ref dst, (5 * stride) + vl, rows > 5);
        }

        for (int r = 0; r < kc; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            ref float t = ref Unsafe.Add(ref w, r * ConvGemmPacking.PanelChannels);
            TVec x0 = TOps.Load(ref s, 0);
            TVec x1 = TOps.Load(ref s, vl);
            TVec k0 = TOps.Create(Unsafe.Add(ref t, 0));
            a00 = TOps.MultiplyAdd(k0, x0, a00);
            a01 = TOps.MultiplyAdd(k0, x1, a01);
            TVec k1 = TOps.Create(Unsafe.Add(ref t, 1));
            a10 = TOps.MultiplyAdd(k1, x0, a10);
            a11 = TOps.MultiplyAdd(k1, x1, a11);
            TVec k2 = TOps.Create(Unsafe.Add(ref t, 2));
            a20 = TOps.MultiplyAdd(k2, x0, a20);
            a21 = TOps.MultiplyAdd(k2, x1, a21);
            TVec k3 = TOps.Create(Unsafe.Add(ref t, 3));
            a30 = TOps.MultiplyAdd(k3, x0, a30);
            a31 = TOps.MultiplyAdd(k3, x1, a31);
            TVec k4 = TOps.Create(Unsafe.Add(ref t, 4));
            a40 = TOps.MultiplyAdd(k4, x0, a40);
            a41 = TOps.MultiplyAdd(k4, x1, a41);
            TVec k5 = TOps.Create(Unsafe.Add(ref t, 5));
            a50 = TOps.MultiplyAdd(k5, x0, a50);
            a51 = TOps.MultiplyAdd(k5, x1, a51);
        }

        Put<TOps, TVec, TAct>(a00, ref dst, 0, last);
        Put<TOps, TVec, TAct>(a01, ref dst, vl, last);
        if (rows > 1)
        {
            Put<TOps, TVec, TAct>(a10, ref dst, stride, last);
            Put<TOps, TVec, TAct>(a11, ref dst, stride + vl, last);
        }

        if (rows > 2)
        {
            Put<TOps, TVec, TAct>(a20, ref dst, 2 * stride, last);
            Put<TOps, TVec, TAct>(a21, ref dst, (2 * stride) + vl, last);
        }

        if (rows > 3)
        {
            Put<TOps, TVec, TAct>(a30, ref dst, 3 * stride, last);
            Put<TOps, TVec, TAct>(a31, ref dst, (3 * stride) + vl, last);
        }

        if (rows > 4)
        {
            Put<TOps, TVec, TAct>(a40, ref dst, 4 * stride, last);
            Put<TOps, TVec, TAct>(a41, ref dst, (4 * stride) + vl, last);
        }

        if (rows > 5)
        {
            Put<TOps, TVec, TAct>(a50, ref dst, 5 * stride, last);
            Put<TOps, TVec, TAct>(a51, ref dst, (5 * stride) + vl, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6x3<TOps, TVec, TAct>(ref float w, ref int off, int kc, ref float src, ref float dst, nint stride, ref float bias, bool first, bool last, int rows)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a00, a01, a02, a10, a11, a12, a20, a21, a22, a30, a31, a32, a40, a41, a42, a50, a51, a52;
        if (first)
        {
            a00 = a01 = a02 = TOps.Create(Unsafe.Add(ref bias, 0));
            a10 = a11 = a12 = TOps.Create(Unsafe.Add(ref bias, 1));
            a20 = a21 = a22 = TOps.Create(Unsafe.Add(ref bias, 2));
            a30 = a31 = a32 = TOps.Create(Unsafe.Add(ref bias, 3));
            a40 = a41 = a42 = TOps.Create(Unsafe.Add(ref bias, 4));
            a50 = a51 = a52 = TOps.Create(Unsafe.Add(ref bias, 5));
        }
        else
        {
            a00 = TOps.Load(ref dst, 0);
            a01 = TOps.Load(ref dst, vl);
            a02 = TOps.Load(ref dst, 2 * vl);
            a10 = Get<TOps, TVec>(ref dst, stride, rows > 1);
            a11 = Get<TOps, TVec>(ref dst, stride + vl, rows > 1);
            a12 = Get<TOps, TVec>(ref dst, stride + (2 * vl), rows > 1);
            a20 = Get<TOps, TVec>(ref dst, 2 * stride, rows > 2);
            a21 = Get<TOps, TVec>(ref dst, (2 * stride) + vl, rows > 2);
            a22 = Get<TOps, TVec>(ref dst, (2 * stride) + (2 * vl), rows > 2);
            a30 = Get<TOps, TVec>(ref dst, 3 * stride, rows > 3);
            a31 = Get<TOps, TVec>(ref dst, (3 * stride) + vl, rows > 3);
            a32 = Get<TOps, TVec>(ref dst, (3 * stride) + (2 * vl), rows > 3);
            a40 = Get<TOps, TVec>(ref dst, 4 * stride, rows > 4);
            a41 = Get<TOps, TVec>(ref dst, (4 * stride) + vl, rows > 4);
            a42 = Get<TOps, TVec>(ref dst, (4 * stride) + (2 * vl), rows > 4);
            a50 = Get<TOps, TVec>(ref dst, 5 * stride, rows > 5);
            a51 = Get<TOps, TVec>(ref dst, (5 * stride) + vl, rows > 5);
            a52 = Get<TOps, TVec>(ref dst, (5 * stride) + (2 * vl), rows > 5);
        }

        for (int r = 0; r < kc; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            ref float t = ref Unsafe.Add(ref w, r * ConvGemmPacking.PanelChannels);
            TVec x0 = TOps.Load(ref s, 0);
            TVec x1 = TOps.Load(ref s, vl);
            TVec x2 = TOps.Load(ref s, 2 * vl);
            TVec k0 = TOps.Create(Unsafe.Add(ref t, 0));
            a00 = TOps.MultiplyAdd(k0, x0, a00);
            a01 = TOps.MultiplyAdd(k0, x1, a01);
            a02 = TOps.MultiplyAdd(k0, x2, a02);
            TVec k1 = TOps.Create(Unsafe.Add(ref t, 1));
            a10 = TOps.MultiplyAdd(k1, x0, a10);
            a11 = TOps.MultiplyAdd(k1, x1, a11);
            a12 = TOps.MultiplyAdd(k1, x2, a12);
            TVec k2 = TOps.Create(Unsafe.Add(ref t, 2));
            a20 = TOps.MultiplyAdd(k2, x0, a20);
            a21 = TOps.MultiplyAdd(k2, x1, a21);
            a22 = TOps.MultiplyAdd(k2, x2, a22);
            TVec k3 = TOps.Create(Unsafe.Add(ref t, 3));
            a30 = TOps.MultiplyAdd(k3, x0, a30);
            a31 = TOps.MultiplyAdd(k3, x1, a31);
            a32 = TOps.MultiplyAdd(k3, x2, a32);
            TVec k4 = TOps.Create(Unsafe.Add(ref t, 4));
            a40 = TOps.MultiplyAdd(k4, x0, a40);
            a41 = TOps.MultiplyAdd(k4, x1, a41);
            a42 = TOps.MultiplyAdd(k4, x2, a42);
            TVec k5 = TOps.Create(Unsafe.Add(ref t, 5));
            a50 = TOps.MultiplyAdd(k5, x0, a50);
            a51 = TOps.MultiplyAdd(k5, x1, a51);
            a52 = TOps.MultiplyAdd(k5, x2, a52);
        }

        Put<TOps, TVec, TAct>(a00, ref dst, 0, last);
        Put<TOps, TVec, TAct>(a01, ref dst, vl, last);
        Put<TOps, TVec, TAct>(a02, ref dst, 2 * vl, last);
        if (rows > 1)
        {
            Put<TOps, TVec, TAct>(a10, ref dst, stride, last);
            Put<TOps, TVec, TAct>(a11, ref dst, stride + vl, last);
            Put<TOps, TVec, TAct>(a12, ref dst, stride + (2 * vl), last);
        }

        if (rows > 2)
        {
            Put<TOps, TVec, TAct>(a20, ref dst, 2 * stride, last);
            Put<TOps, TVec, TAct>(a21, ref dst, (2 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a22, ref dst, (2 * stride) + (2 * vl), last);
        }

        if (rows > 3)
        {
            Put<TOps, TVec, TAct>(a30, ref dst, 3 * stride, last);
            Put<TOps, TVec, TAct>(a31, ref dst, (3 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a32, ref dst, (3 * stride) + (2 * vl), last);
        }

        if (rows > 4)
        {
            Put<TOps, TVec, TAct>(a40, ref dst, 4 * stride, last);
            Put<TOps, TVec, TAct>(a41, ref dst, (4 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a42, ref dst, (4 * stride) + (2 * vl), last);
        }

        if (rows > 5)
        {
            Put<TOps, TVec, TAct>(a50, ref dst, 5 * stride, last);
            Put<TOps, TVec, TAct>(a51, ref dst, (5 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a52, ref dst, (5 * stride) + (2 * vl), last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6x4<TOps, TVec, TAct>(ref float w, ref int off, int kc, ref float src, ref float dst, nint stride, ref float bias, bool first, bool last, int rows)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33, a40, a41, a42, a43, a50, a51, a52, a53;
        if (first)
        {
            a00 = a01 = a02 = a03 = TOps.Create(Unsafe.Add(ref bias, 0));
            a10 = a11 = a12 = a13 = TOps.Create(Unsafe.Add(ref bias, 1));
            a20 = a21 = a22 = a23 = TOps.Create(Unsafe.Add(ref bias, 2));
            a30 = a31 = a32 = a33 = TOps.Create(Unsafe.Add(ref bias, 3));
            a40 = a41 = a42 = a43 = TOps.Create(Unsafe.Add(ref bias, 4));
            a50 = a51 = a52 = a53 = TOps.Create(Unsafe.Add(ref bias, 5));
        }
        else
        {
            a00 = TOps.Load(ref dst, 0);
            a01 = TOps.Load(ref dst, vl);
            a02 = TOps.Load(ref dst, 2 * vl);
            a03 = TOps.Load(ref dst, 3 * vl);
            a10 = Get<TOps, TVec>(ref dst, stride, rows > 1);
            a11 = Get<TOps, TVec>(ref dst, stride + vl, rows > 1);
            a12 = Get<TOps, TVec>(ref dst, stride + (2 * vl), rows > 1);
            a13 = Get<TOps, TVec>(ref dst, stride + (3 * vl), rows > 1);
            a20 = Get<TOps, TVec>(ref dst, 2 * stride, rows > 2);
            a21 = Get<TOps, TVec>(ref dst, (2 * stride) + vl, rows > 2);
            a22 = Get<TOps, TVec>(ref dst, (2 * stride) + (2 * vl), rows > 2);
            a23 = Get<TOps, TVec>(ref dst, (2 * stride) + (3 * vl), rows > 2);
            a30 = Get<TOps, TVec>(ref dst, 3 * stride, rows > 3);
            a31 = Get<TOps, TVec>(ref dst, (3 * stride) + vl, rows > 3);
            a32 = Get<TOps, TVec>(ref dst, (3 * stride) + (2 * vl), rows > 3);
            a33 = Get<TOps, TVec>(ref dst, (3 * stride) + (3 * vl), rows > 3);
            a40 = Get<TOps, TVec>(ref dst, 4 * stride, rows > 4);
            a41 = Get<TOps, TVec>(ref dst, (4 * stride) + vl, rows > 4);
            a42 = Get<TOps, TVec>(ref dst, (4 * stride) + (2 * vl), rows > 4);
            a43 = Get<TOps, TVec>(ref dst, (4 * stride) + (3 * vl), rows > 4);
            a50 = Get<TOps, TVec>(ref dst, 5 * stride, rows > 5);
            a51 = Get<TOps, TVec>(ref dst, (5 * stride) + vl, rows > 5);
            a52 = Get<TOps, TVec>(ref dst, (5 * stride) + (2 * vl), rows > 5);
            a53 = Get<TOps, TVec>(ref dst, (5 * stride) + (3 * vl), rows > 5);
        }

        for (int r = 0; r < kc; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            ref float t = ref Unsafe.Add(ref w, r * ConvGemmPacking.PanelChannels);
            TVec x0 = TOps.Load(ref s, 0);
            TVec x1 = TOps.Load(ref s, vl);
            TVec x2 = TOps.Load(ref s, 2 * vl);
            TVec x3 = TOps.Load(ref s, 3 * vl);
            TVec k0 = TOps.Create(Unsafe.Add(ref t, 0));
            a00 = TOps.MultiplyAdd(k0, x0, a00);
            a01 = TOps.MultiplyAdd(k0, x1, a01);
            a02 = TOps.MultiplyAdd(k0, x2, a02);
            a03 = TOps.MultiplyAdd(k0, x3, a03);
            TVec k1 = TOps.Create(Unsafe.Add(ref t, 1));
            a10 = TOps.MultiplyAdd(k1, x0, a10);
            a11 = TOps.MultiplyAdd(k1, x1, a11);
            a12 = TOps.MultiplyAdd(k1, x2, a12);
            a13 = TOps.MultiplyAdd(k1, x3, a13);
            TVec k2 = TOps.Create(Unsafe.Add(ref t, 2));
            a20 = TOps.MultiplyAdd(k2, x0, a20);
            a21 = TOps.MultiplyAdd(k2, x1, a21);
            a22 = TOps.MultiplyAdd(k2, x2, a22);
            a23 = TOps.MultiplyAdd(k2, x3, a23);
            TVec k3 = TOps.Create(Unsafe.Add(ref t, 3));
            a30 = TOps.MultiplyAdd(k3, x0, a30);
            a31 = TOps.MultiplyAdd(k3, x1, a31);
            a32 = TOps.MultiplyAdd(k3, x2, a32);
            a33 = TOps.MultiplyAdd(k3, x3, a33);
            TVec k4 = TOps.Create(Unsafe.Add(ref t, 4));
            a40 = TOps.MultiplyAdd(k4, x0, a40);
            a41 = TOps.MultiplyAdd(k4, x1, a41);
            a42 = TOps.MultiplyAdd(k4, x2, a42);
            a43 = TOps.MultiplyAdd(k4, x3, a43);
            TVec k5 = TOps.Create(Unsafe.Add(ref t, 5));
            a50 = TOps.MultiplyAdd(k5, x0, a50);
            a51 = TOps.MultiplyAdd(k5, x1, a51);
            a52 = TOps.MultiplyAdd(k5, x2, a52);
            a53 = TOps.MultiplyAdd(k5, x3, a53);
        }

        Put<TOps, TVec, TAct>(a00, ref dst, 0, last);
        Put<TOps, TVec, TAct>(a01, ref dst, vl, last);
        Put<TOps, TVec, TAct>(a02, ref dst, 2 * vl, last);
        Put<TOps, TVec, TAct>(a03, ref dst, 3 * vl, last);
        if (rows > 1)
        {
            Put<TOps, TVec, TAct>(a10, ref dst, stride, last);
            Put<TOps, TVec, TAct>(a11, ref dst, stride + vl, last);
            Put<TOps, TVec, TAct>(a12, ref dst, stride + (2 * vl), last);
            Put<TOps, TVec, TAct>(a13, ref dst, stride + (3 * vl), last);
        }

        if (rows > 2)
        {
            Put<TOps, TVec, TAct>(a20, ref dst, 2 * stride, last);
            Put<TOps, TVec, TAct>(a21, ref dst, (2 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a22, ref dst, (2 * stride) + (2 * vl), last);
            Put<TOps, TVec, TAct>(a23, ref dst, (2 * stride) + (3 * vl), last);
        }

        if (rows > 3)
        {
            Put<TOps, TVec, TAct>(a30, ref dst, 3 * stride, last);
            Put<TOps, TVec, TAct>(a31, ref dst, (3 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a32, ref dst, (3 * stride) + (2 * vl), last);
            Put<TOps, TVec, TAct>(a33, ref dst, (3 * stride) + (3 * vl), last);
        }

        if (rows > 4)
        {
            Put<TOps, TVec, TAct>(a40, ref dst, 4 * stride, last);
            Put<TOps, TVec, TAct>(a41, ref dst, (4 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a42, ref dst, (4 * stride) + (2 * vl), last);
            Put<TOps, TVec, TAct>(a43, ref dst, (4 * stride) + (3 * vl), last);
        }

        if (rows > 5)
        {
            Put<TOps, TVec, TAct>(a50, ref dst, 5 * stride, last);
            Put<TOps, TVec, TAct>(a51, ref dst, (5 * stride) + vl, last);
            Put<TOps, TVec, TAct>(a52, ref dst, (5 * stride) + (2 * vl), last);
            Put<TOps, TVec, TAct>(a53, ref dst, (5 * stride) + (3 * vl), last);
        }
    }
}
