using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// One image's convolution as an implicit GEMM (see <see cref="ConvImagePlan"/>):
/// output[o, p] = act(bias[o] + Σ_r weight[o, r] · source[offsets[r] + p]), r = (c, i, j) over the
/// filter's C·K·K taps (PyTorch's weight [O, C, K, K] is already this [O, R] matrix).
/// </summary>
/// <remarks>
/// Vectorized over output pixels, so any channel count fills the vectors; taps are broadcast. Register
/// block: 2 output channels × 4 vectors of pixels = 8 accumulators, enough independent FMA chains to
/// hide the FMA latency on both AVX2 and AVX-512, with 4 loads and 2 broadcasts per 8 FMAs.
/// </remarks>
internal static class ConvImageKernel
{
    /// <summary>Copies image [C, H, W] into the interior of <paramref name="padded"/> [C, Hp, Wp] and zeroes the rest (borders and slack).</summary>
    public static void Pad(ReadOnlySpan<float> image, Span<float> padded, ConvImagePlan plan)
    {
        ConvGeometry g = plan.Geometry;
        Debug.Assert(image.Length == g.InChannels * g.InPlane);
        Debug.Assert(padded.Length >= plan.SourceLength);
        padded.Clear();
        CopyInterior(image, padded, g.InChannels, g.Height, g.Width, g.Padding);
    }

    /// <summary>
    /// Copies each channel of image [C, H, W] into the interior of its [H+2p, W+2p] plane of
    /// <paramref name="padded"/>; the border is not written (zero it once, and it stays zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyInterior(ReadOnlySpan<float> image, Span<float> padded, int channels, int height, int width, int padding)
    {
        int paddedWidth = width + (2 * padding), paddedPlane = (height + (2 * padding)) * paddedWidth;
        Debug.Assert(image.Length >= channels * height * width && padded.Length >= channels * paddedPlane);
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                image.Slice(((c * height) + y) * width, width).CopyTo(padded.Slice((c * paddedPlane) + ((y + padding) * paddedWidth) + padding, width));
            }
        }
    }

    /// <summary>The inverse of <see cref="CopyInterior"/>: each [H+2p, W+2p] plane's interior back into image [C, H, W].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyInteriorOut(ReadOnlySpan<float> padded, Span<float> image, int channels, int height, int width, int padding)
    {
        int paddedWidth = width + (2 * padding), paddedPlane = (height + (2 * padding)) * paddedWidth;
        Debug.Assert(image.Length >= channels * height * width && padded.Length >= channels * paddedPlane);
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                padded.Slice((c * paddedPlane) + ((y + padding) * paddedWidth) + padding, width).CopyTo(image.Slice(((c * height) + y) * width, width));
            }
        }
    }

    /// <summary>
    /// im2col for strides &gt; 1: columns[r, y·OW + x] = padded[c, y·s + i, x·s + j], rows
    /// <see cref="ConvImagePlan.Pixels"/> apart with the pixels past OH·OW zero: the library's one im2col
    /// (<see cref="ConvWindow.Im2Col(ReadOnlySpan{float}, Span{float}, int)"/>) over the padded image, whose padding is already there.
    /// </summary>
    public static void Im2Col(ReadOnlySpan<float> padded, Span<float> columns, ConvImagePlan plan)
    {
        ConvGeometry g = plan.Geometry;
        Debug.Assert(columns.Length >= plan.ColumnsLength);
        var window = new ConvWindow(
            1, g.InChannels, plan.PaddedHeight, plan.PaddedWidth, 1, g.Kernel, g.Kernel, g.Stride, g.Stride, 0, 0, 1, 1, g.OutHeight, g.OutWidth);
        window.Im2Col(padded, columns, plan.Pixels);
    }

    /// <summary>Runs <see cref="Gemm{TOps, TVec, TAct}"/> at <paramref name="width"/>.</summary>
    public static void Gemm<TAct>(SimdWidth width, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> output, int pixels)
        where TAct : IActivation
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Gemm<Vector512Ops, System.Runtime.Intrinsics.Vector512<float>, TAct>(weight, bias, offsets, source, output, pixels);
                break;
            case SimdWidth.Vector256:
                Gemm<Vector256Ops, System.Runtime.Intrinsics.Vector256<float>, TAct>(weight, bias, offsets, source, output, pixels);
                break;
            case SimdWidth.Vector128:
                Gemm<Vector128Ops, System.Runtime.Intrinsics.Vector128<float>, TAct>(weight, bias, offsets, source, output, pixels);
                break;
            default:
                Gemm<ScalarOps, float, TAct>(weight, bias, offsets, source, output, pixels);
                break;
        }
    }

    /// <summary>
    /// weight [O, R], bias [O] or empty, offsets [R]; source holds every tap's run of
    /// <paramref name="pixels"/> floats; output [O, pixels]. <paramref name="pixels"/> is a multiple of the vector width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemm<TOps, TVec, TAct>(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, Span<float> output, int pixels)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int taps = offsets.Length;
        int channels = weight.Length / taps;
        int vl = TOps.Count;
        Debug.Assert(weight.Length == channels * taps);
        Debug.Assert(bias.IsEmpty || bias.Length == channels);
        Debug.Assert(pixels % vl == 0);
        Debug.Assert(output.Length >= channels * pixels);
        Debug.Assert(taps == 0 || source.Length >= offsets[^1] + pixels);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref int off = ref MemoryMarshal.GetReference(offsets);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(output);
        for (int o = 0; o < channels; o += 2)
        {
            // An odd last channel is computed twice (as both rows of the block) and stored once.
            int o1 = Math.Min(o + 1, channels - 1);
            ref float w0 = ref Unsafe.Add(ref w, o * taps);
            ref float w1 = ref Unsafe.Add(ref w, o1 * taps);
            TVec b0 = TOps.Create(bias.IsEmpty ? 0f : bias[o]);
            TVec b1 = TOps.Create(bias.IsEmpty ? 0f : bias[o1]);
            ref float d0 = ref Unsafe.Add(ref dst, o * pixels);
            ref float d1 = ref Unsafe.Add(ref dst, o1 * pixels);
            int p = 0;
            for (; p + (4 * vl) <= pixels; p += 4 * vl)
            {
                Block2x4<TOps, TVec, TAct>(ref w0, ref w1, ref off, taps, ref Unsafe.Add(ref src, p), ref Unsafe.Add(ref d0, p), ref Unsafe.Add(ref d1, p), b0, b1);
            }

            for (; p < pixels; p += vl)
            {
                Block2x1<TOps, TVec, TAct>(ref w0, ref w1, ref off, taps, ref Unsafe.Add(ref src, p), ref Unsafe.Add(ref d0, p), ref Unsafe.Add(ref d1, p), b0, b1);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2x4<TOps, TVec, TAct>(ref float w0, ref float w1, ref int off, int taps, ref float src, ref float d0, ref float d1, TVec b0, TVec b1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        nint vl = TOps.Count;
        TVec a00 = b0, a01 = b0, a02 = b0, a03 = b0;
        TVec a10 = b1, a11 = b1, a12 = b1, a13 = b1;
        for (int r = 0; r < taps; r++)
        {
            ref float s = ref Unsafe.Add(ref src, Unsafe.Add(ref off, r));
            TVec x0 = TOps.Load(ref s, 0);
            TVec x1 = TOps.Load(ref s, vl);
            TVec x2 = TOps.Load(ref s, 2 * vl);
            TVec x3 = TOps.Load(ref s, 3 * vl);
            TVec t = TOps.Create(Unsafe.Add(ref w0, r));
            a00 = TOps.MultiplyAdd(t, x0, a00);
            a01 = TOps.MultiplyAdd(t, x1, a01);
            a02 = TOps.MultiplyAdd(t, x2, a02);
            a03 = TOps.MultiplyAdd(t, x3, a03);
            t = TOps.Create(Unsafe.Add(ref w1, r));
            a10 = TOps.MultiplyAdd(t, x0, a10);
            a11 = TOps.MultiplyAdd(t, x1, a11);
            a12 = TOps.MultiplyAdd(t, x2, a12);
            a13 = TOps.MultiplyAdd(t, x3, a13);
        }

        // Row 1 first: when it is the odd channel's duplicate, d1 == d0 and row 0 overwrites it with the same values.
        TOps.Store(TAct.Apply<TOps, TVec>(a10), ref d1, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a11), ref d1, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a12), ref d1, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a13), ref d1, 3 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a00), ref d0, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a01), ref d0, vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a02), ref d0, 2 * vl);
        TOps.Store(TAct.Apply<TOps, TVec>(a03), ref d0, 3 * vl);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2x1<TOps, TVec, TAct>(ref float w0, ref float w1, ref int off, int taps, ref float src, ref float d0, ref float d1, TVec b0, TVec b1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        TVec a0 = b0, a1 = b1;
        for (int r = 0; r < taps; r++)
        {
            TVec x = TOps.Load(ref Unsafe.Add(ref src, Unsafe.Add(ref off, r)), 0);
            a0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref w0, r)), x, a0);
            a1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref w1, r)), x, a1);
        }

        TOps.Store(TAct.Apply<TOps, TVec>(a1), ref d1, 0);
        TOps.Store(TAct.Apply<TOps, TVec>(a0), ref d0, 0);
    }

    /// <summary>
    /// Stride 1 with a 2×2, stride-2 pool fused: output[o, py, px] = pool over the window at (2py, 2px)
    /// of act(bias[o] + conv[o]), computed as the implicit GEMM does but blocked on a pair of conv rows:
    /// 2 channels × 2 rows × 2 vectors = 8 accumulators; the pool's column pairs come from an even/odd
    /// de-interleave in registers, so the full-resolution map is never stored. Output planes at the
    /// given strides; <paramref name="lanes"/> is scratch of 16 floats for a row's partial last vector.
    /// With 32 vector registers (AVX-512) channels go by three (12 accumulators): each tap's four
    /// unaligned loads, which split across cache lines at that width, then feed 12 FMAs instead of 8
    /// (LeNet's first convolution at batch 1 is bound by those loads).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pooled<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<int> offsets, ReadOnlySpan<float> source, int rowStride,
        Span<float> output, int outRowStride, int outPlaneStride, int pooledHeight, int pooledWidth, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        int taps = offsets.Length;
        int channels = weight.Length / taps;
        nint vl = TOps.Count;
        Debug.Assert(bias.Length == channels && lanes.Length >= vl);
        ref float w = ref MemoryMarshal.GetReference(weight);
        ref int off = ref MemoryMarshal.GetReference(offsets);
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(output);
        nint down = rowStride;
        int o = 0;
        if (TOps.Count >= 16)
        {
            for (; o + 3 <= channels; o += 3)
            {
                PooledTriple<TOps, TVec, TAct, TPool>(ref Unsafe.Add(ref w, o * taps), taps, bias.Slice(o, 3), ref off, ref src, rowStride, ref Unsafe.Add(ref dst, o * outPlaneStride), outRowStride, outPlaneStride, pooledHeight, pooledWidth, lanes);
            }
        }

        for (; o < channels; o += 2)
        {
            int o1 = Math.Min(o + 1, channels - 1);
            ref float w0 = ref Unsafe.Add(ref w, o * taps);
            ref float w1 = ref Unsafe.Add(ref w, o1 * taps);
            TVec init0 = TPool.Averages ? TOps.Create(bias[o]) : TOps.Zero, init1 = TPool.Averages ? TOps.Create(bias[o1]) : TOps.Zero;
            for (int py = 0; py < pooledHeight; py++)
            {
                for (int px = 0; px < pooledWidth; px += (int)vl)
                {
                    ref float corner = ref Unsafe.Add(ref src, (2 * py * rowStride) + (2 * px));
                    TVec a0 = init0, a1 = init0, a2 = init0, a3 = init0;
                    TVec c0 = init1, c1 = init1, c2 = init1, c3 = init1;
                    for (int r = 0; r < taps; r++)
                    {
                        ref float t = ref Unsafe.Add(ref corner, Unsafe.Add(ref off, r));
                        TVec x0 = TOps.Load(ref t, 0), x1 = TOps.Load(ref t, vl), x2 = TOps.Load(ref t, down), x3 = TOps.Load(ref t, down + vl);
                        TVec k = TOps.Create(Unsafe.Add(ref w0, r));
                        a0 = TOps.MultiplyAdd(k, x0, a0);
                        a1 = TOps.MultiplyAdd(k, x1, a1);
                        a2 = TOps.MultiplyAdd(k, x2, a2);
                        a3 = TOps.MultiplyAdd(k, x3, a3);
                        k = TOps.Create(Unsafe.Add(ref w1, r));
                        c0 = TOps.MultiplyAdd(k, x0, c0);
                        c1 = TOps.MultiplyAdd(k, x1, c1);
                        c2 = TOps.MultiplyAdd(k, x2, c2);
                        c3 = TOps.MultiplyAdd(k, x3, c3);
                    }

                    int count = Math.Min((int)vl, pooledWidth - px);
                    int at = (py * outRowStride) + px;
                    StorePooled<TOps, TVec>(PoolRows<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias[o1]), ref Unsafe.Add(ref dst, (o1 * outPlaneStride) + at), count, lanes);
                    StorePooled<TOps, TVec>(PoolRows<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias[o]), ref Unsafe.Add(ref dst, (o * outPlaneStride) + at), count, lanes);
                }
            }
        }
    }

    /// <summary>Three channels of <see cref="Pooled"/> (weights at <paramref name="w"/>, <paramref name="taps"/> apart; outputs at <paramref name="dst"/>, planes apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PooledTriple<TOps, TVec, TAct, TPool>(
        ref float w, int taps, ReadOnlySpan<float> bias, ref int off, ref float src, int rowStride,
        ref float dst, int outRowStride, int outPlaneStride, int pooledHeight, int pooledWidth, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        nint vl = TOps.Count, down = rowStride;
        ref float w1 = ref Unsafe.Add(ref w, taps);
        ref float w2 = ref Unsafe.Add(ref w, 2 * taps);
        TVec init0 = TPool.Averages ? TOps.Create(bias[0]) : TOps.Zero;
        TVec init1 = TPool.Averages ? TOps.Create(bias[1]) : TOps.Zero;
        TVec init2 = TPool.Averages ? TOps.Create(bias[2]) : TOps.Zero;
        for (int py = 0; py < pooledHeight; py++)
        {
            for (int px = 0; px < pooledWidth; px += (int)vl)
            {
                ref float corner = ref Unsafe.Add(ref src, (2 * py * rowStride) + (2 * px));
                TVec a0 = init0, a1 = init0, a2 = init0, a3 = init0;
                TVec c0 = init1, c1 = init1, c2 = init1, c3 = init1;
                TVec e0 = init2, e1 = init2, e2 = init2, e3 = init2;
                for (int r = 0; r < taps; r++)
                {
                    ref float t = ref Unsafe.Add(ref corner, Unsafe.Add(ref off, r));
                    TVec x0 = TOps.Load(ref t, 0), x1 = TOps.Load(ref t, vl), x2 = TOps.Load(ref t, down), x3 = TOps.Load(ref t, down + vl);
                    TVec k = TOps.Create(Unsafe.Add(ref w, r));
                    a0 = TOps.MultiplyAdd(k, x0, a0);
                    a1 = TOps.MultiplyAdd(k, x1, a1);
                    a2 = TOps.MultiplyAdd(k, x2, a2);
                    a3 = TOps.MultiplyAdd(k, x3, a3);
                    k = TOps.Create(Unsafe.Add(ref w1, r));
                    c0 = TOps.MultiplyAdd(k, x0, c0);
                    c1 = TOps.MultiplyAdd(k, x1, c1);
                    c2 = TOps.MultiplyAdd(k, x2, c2);
                    c3 = TOps.MultiplyAdd(k, x3, c3);
                    k = TOps.Create(Unsafe.Add(ref w2, r));
                    e0 = TOps.MultiplyAdd(k, x0, e0);
                    e1 = TOps.MultiplyAdd(k, x1, e1);
                    e2 = TOps.MultiplyAdd(k, x2, e2);
                    e3 = TOps.MultiplyAdd(k, x3, e3);
                }

                int count = Math.Min((int)vl, pooledWidth - px);
                int at = (py * outRowStride) + px;
                StorePooled<TOps, TVec>(PoolRows<TOps, TVec, TAct, TPool>(a0, a1, a2, a3, bias[0]), ref Unsafe.Add(ref dst, at), count, lanes);
                StorePooled<TOps, TVec>(PoolRows<TOps, TVec, TAct, TPool>(c0, c1, c2, c3, bias[1]), ref Unsafe.Add(ref dst, outPlaneStride + at), count, lanes);
                StorePooled<TOps, TVec>(PoolRows<TOps, TVec, TAct, TPool>(e0, e1, e2, e3, bias[2]), ref Unsafe.Add(ref dst, (2 * outPlaneStride) + at), count, lanes);
            }
        }
    }

    /// <summary>Rows (r0 = [left, right], r1 = [left, right]) of conv outputs → one vector of pooled columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec PoolRows<TOps, TVec, TAct, TPool>(TVec top0, TVec top1, TVec bottom0, TVec bottom1, float bias)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        if (TPool.Averages)
        {
            TVec left = TOps.Add(TAct.Apply<TOps, TVec>(top0), TAct.Apply<TOps, TVec>(bottom0));
            TVec right = TOps.Add(TAct.Apply<TOps, TVec>(top1), TAct.Apply<TOps, TVec>(bottom1));
            return TOps.Multiply(TOps.Add(TOps.Evens(left, right), TOps.Odds(left, right)), TOps.Create(0.25f));
        }

        // The max commutes with the monotonic activation and with the bias: both applied once.
        TVec l = TOps.Max(top0, bottom0), h = TOps.Max(top1, bottom1);
        return TAct.Apply<TOps, TVec>(TOps.Add(TOps.Max(TOps.Evens(l, h), TOps.Odds(l, h)), TOps.Create(bias)));
    }

    /// <summary>Stores <paramref name="count"/> lanes: the whole vector when it fits, else through <paramref name="lanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePooled<TOps, TVec>(TVec value, ref float destination, int count, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (count == TOps.Count)
        {
            TOps.Store(value, ref destination, 0);
            return;
        }

        TOps.Store(value, ref MemoryMarshal.GetReference(lanes), 0);
        for (int l = 0; l < count; l++)
        {
            Unsafe.Add(ref destination, l) = lanes[l];
        }
    }
}
