using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Depthwise convolution of one image (groups = input channels, each output channel o reading input channel
/// o / multiplier through its own k×k filter), with a fused activation: the single-image path of
/// <see cref="Compiler.DepthwiseConvStage"/>.
/// </summary>
/// <remarks>
/// <para>
/// input [C, Hp, Wp], already zero-padded by the convolution's padding (the stage's input map carries it), so no
/// tap is ever clipped; weight [O, k, k] with any BatchNorm folded in; bias [O]; output rows of <c>outWidth</c>
/// floats, <c>outRow</c> apart, planes <c>outPlane</c> apart.
/// </para>
/// <para>
/// A depthwise convolution does k² multiply-adds per output and reads each input once: it is memory-bound, not
/// FMA-bound. So the kernel streams each channel's plane once, row by row, and vectorizes along the output pixels
/// of a row (taps are broadcast weights, the k² of a 3×3 filter held in registers for the whole plane): stride 1
/// loads each tap's vector unaligned; stride 2 loads two vectors and keeps their even elements
/// (<see cref="ISimdOps{TVec}.Evens"/>). A row's last vector overlaps the one before it (recomputing a few outputs
/// with the same arithmetic, so the same bits): no scalar tail. Rows narrower than the vector take the widest narrower
/// vector they fill (256 or 128 bits); other strides, and rows under 4 columns, run the scalar loop.
/// </para>
/// <para>
/// Every output accumulates bias, then the taps in (row, column) order, one multiply-add each: the same order at
/// every width, and no sum is ever split across threads.
/// </para>
/// </remarks>
internal static class DepthwiseConv2dKernel
{
    /// <summary>Floats read past the end of the input image: the stride-2 path's second load may overrun a row's end by one vector.</summary>
    public const int Slack = 16;

    /// <summary>
    /// Output channels [<paramref name="firstChannel"/>, <paramref name="firstChannel"/> + <paramref name="channels"/>)
    /// of one image: output[o, y, x] = act(bias[o] + Σ_ij weight[o, i, j] · input[o / multiplier, y·stride + i·dilation, x·stride + j·dilation]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Image<TOps, TVec, TAct>(
        ReadOnlySpan<float> input, int inRow, int inPlane, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int multiplier, int k, int stride, int dilation,
        Span<float> output, int outRow, int outPlane, int outHeight, int outWidth, int firstChannel, int channels)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(weight.Length >= (firstChannel + channels) * k * k && bias.Length >= firstChannel + channels);
        Debug.Assert(input.Length >= (((firstChannel + channels - 1) / multiplier) + 1) * inPlane);
        for (int o = firstChannel; o < firstChannel + channels; o++)
        {
            ref float plane = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), (nint)(o / multiplier) * inPlane);
            ref float filter = ref Unsafe.Add(ref MemoryMarshal.GetReference(weight), (nint)o * k * k);
            ref float outPlaneRef = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), (nint)o * outPlane);
            float b = bias[o];
            int vectorized = Vectorized<TOps, TVec, TAct>(ref plane, inRow, ref filter, b, k, stride, dilation, ref outPlaneRef, outRow, outHeight, outWidth);

            // A row narrower than the vector takes the widest vector it fills: 256 bits for 8 to 15 columns (mobilenet_v2's
            // 14×14 layers at 512 bits: 2 vectors a row instead of 4 of 128 bits), 128 bits for 4 to 7 (its 7×7 layers).
            if (vectorized == 0 && TOps.Count > 8)
            {
                vectorized = Vectorized<Vector256Ops, Vector256<float>, TAct>(ref plane, inRow, ref filter, b, k, stride, dilation, ref outPlaneRef, outRow, outHeight, outWidth);
            }

            // 4 to 7 columns in contiguous rows (mobilenet_v2's 7×7 layers): every row but the last in one 256-bit vector,
            // whose lanes past the row spill into the next row's first columns, which that row's store then overwrites;
            // the last row in 128-bit vectors. Each output is computed as in any vector: the same bits. (Without a vector
            // loop for the filter and stride both calls do nothing, and the scalar loop below does every row.)
            if (vectorized == 0 && TOps.Count >= 8 && outRow == outWidth && outWidth >= 4 && outWidth < 8 && outHeight > 1)
            {
                Vectorized<Vector256Ops, Vector256<float>, TAct>(ref plane, inRow, ref filter, b, k, stride, dilation, ref outPlaneRef, outRow, outHeight - 1, 8);
                vectorized = Vectorized<Vector128Ops, Vector128<float>, TAct>(
                    ref Unsafe.Add(ref plane, (nint)(outHeight - 1) * stride * inRow), inRow, ref filter, b, k, stride, dilation, ref Unsafe.Add(ref outPlaneRef, (nint)(outHeight - 1) * outRow), outRow, 1, outWidth);
            }
            else if (vectorized == 0 && TOps.Count > 4)
            {
                vectorized = Vectorized<Vector128Ops, Vector128<float>, TAct>(ref plane, inRow, ref filter, b, k, stride, dilation, ref outPlaneRef, outRow, outHeight, outWidth);
            }

            // The columns the vectors left: the same sum, one output at a time.
            for (int y = 0; y < outHeight; y++)
            {
                ref float top = ref Unsafe.Add(ref plane, (nint)y * stride * inRow);
                ref float dst = ref Unsafe.Add(ref outPlaneRef, (nint)y * outRow);
                for (int x = vectorized; x < outWidth; x++)
                {
                    float acc = b;
                    for (int i = 0; i < k; i++)
                    {
                        ref float row = ref Unsafe.Add(ref top, (nint)i * dilation * inRow);
                        for (int j = 0; j < k; j++)
                        {
                            acc = ScalarOps.MultiplyAdd(Unsafe.Add(ref row, (x * stride) + (j * dilation)), Unsafe.Add(ref filter, (i * k) + j), acc);
                        }
                    }

                    Unsafe.Add(ref dst, x) = TAct.Apply<ScalarOps, float>(acc);
                }
            }
        }
    }

    /// <summary>The whole plane in vectors of <c>TOps.Count</c> outputs (the last vector of a row overlapping the one before: the same outputs, the same bits); 0 when a row is narrower than a vector or the stride is neither 1 nor 2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Vectorized<TOps, TVec, TAct>(
        ref float plane, int inRow, ref float filter, float b, int k, int stride, int dilation, ref float output, int outRow, int outHeight, int outWidth)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        if (TOps.Count == 1 || outWidth < TOps.Count)
        {
            return 0;
        }

        return (k, dilation, stride) switch
        {
            (3, 1, 1) => Plane3<TOps, TVec, TAct, Stride1>(ref plane, inRow, ref filter, b, ref output, outRow, outHeight, outWidth),
            (3, 1, 2) => Plane3<TOps, TVec, TAct, Stride2>(ref plane, inRow, ref filter, b, ref output, outRow, outHeight, outWidth),
            (_, _, 1) => Plane<TOps, TVec, TAct, Stride1>(ref plane, inRow, ref filter, b, k, dilation, ref output, outRow, outHeight, outWidth),
            (_, _, 2) => Plane<TOps, TVec, TAct, Stride2>(ref plane, inRow, ref filter, b, k, dilation, ref output, outRow, outHeight, outWidth),
            _ => 0,
        };
    }

    /// <summary>A 3×3 filter, dilation 1: the nine weights broadcast once per plane. Returns the columns done per row.</summary>
    /// <remarks>
    /// Not inlined (one call a plane), nor <see cref="Plane{TOps, TVec, TAct, TStride}"/>: each width's and stride's
    /// loop keeps its own inlining budget. Inlined into <see cref="Image{TOps, TVec, TAct}"/> with three widths, the
    /// loops ran past the JIT's budget and the 128-bit stride-2 loop called its loads and multiply-adds
    /// (mobilenet_v2's 576-channel 14×14 stride-2 layer: 34 → 850 µs).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int Plane3<TOps, TVec, TAct, TStride>(ref float plane, int inRow, ref float filter, float bias, ref float output, int outRow, int outHeight, int outWidth)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TStride : IStride
    {
        TVec w0 = TOps.Create(filter), w1 = TOps.Create(Unsafe.Add(ref filter, 1)), w2 = TOps.Create(Unsafe.Add(ref filter, 2));
        TVec w3 = TOps.Create(Unsafe.Add(ref filter, 3)), w4 = TOps.Create(Unsafe.Add(ref filter, 4)), w5 = TOps.Create(Unsafe.Add(ref filter, 5));
        TVec w6 = TOps.Create(Unsafe.Add(ref filter, 6)), w7 = TOps.Create(Unsafe.Add(ref filter, 7)), w8 = TOps.Create(Unsafe.Add(ref filter, 8));
        TVec b = TOps.Create(bias);
        int end = outWidth - TOps.Count;
        for (int y = 0; y < outHeight; y++)
        {
            ref float r0 = ref Unsafe.Add(ref plane, (nint)y * TStride.Step * inRow);
            ref float r1 = ref Unsafe.Add(ref r0, inRow);
            ref float r2 = ref Unsafe.Add(ref r1, inRow);
            ref float dst = ref Unsafe.Add(ref output, (nint)y * outRow);
            for (int next = 0; next < outWidth; next += TOps.Count)
            {
                int x = Math.Min(next, end);
                nint at = x * TStride.Step;
                TVec acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r0, at), w0, b);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r0, at + 1), w1, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r0, at + 2), w2, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r1, at), w3, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r1, at + 1), w4, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r1, at + 2), w5, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r2, at), w6, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r2, at + 1), w7, acc);
                acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref r2, at + 2), w8, acc);
                TOps.Store(TAct.Apply<TOps, TVec>(acc), ref dst, x);
            }
        }

        return outWidth;
    }

    /// <summary>Any k and dilation: the weights broadcast per tap. Returns the columns done per row.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int Plane<TOps, TVec, TAct, TStride>(ref float plane, int inRow, ref float filter, float bias, int k, int dilation, ref float output, int outRow, int outHeight, int outWidth)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TStride : IStride
    {
        TVec b = TOps.Create(bias);
        int end = outWidth - TOps.Count;
        for (int y = 0; y < outHeight; y++)
        {
            ref float top = ref Unsafe.Add(ref plane, (nint)y * TStride.Step * inRow);
            ref float dst = ref Unsafe.Add(ref output, (nint)y * outRow);
            for (int next = 0; next < outWidth; next += TOps.Count)
            {
                int x = Math.Min(next, end);
                TVec acc = b;
                for (int i = 0; i < k; i++)
                {
                    ref float row = ref Unsafe.Add(ref top, (nint)i * dilation * inRow);
                    for (int j = 0; j < k; j++)
                    {
                        acc = TOps.MultiplyAdd(TStride.Load<TOps, TVec>(ref row, (x * TStride.Step) + (j * dilation)), TOps.Create(Unsafe.Add(ref filter, (i * k) + j)), acc);
                    }
                }

                TOps.Store(TAct.Apply<TOps, TVec>(acc), ref dst, x);
            }
        }

        return outWidth;
    }

    /// <summary>How a vector of outputs gathers one tap's inputs along a row.</summary>
    private interface IStride
    {
        static abstract int Step { get; }

        /// <summary>The inputs of <c>TOps.Count</c> consecutive outputs, the first at <paramref name="at"/>.</summary>
        static abstract TVec Load<TOps, TVec>(ref float row, nint at)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    private readonly struct Stride1 : IStride
    {
        public static int Step => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Load<TOps, TVec>(ref float row, nint at)
            where TOps : ISimdOps<TVec>
            where TVec : struct => TOps.Load(ref row, at);
    }

    /// <summary>Every other input: two vectors, their even elements (the second may read one vector past the row: <see cref="Slack"/>).</summary>
    private readonly struct Stride2 : IStride
    {
        public static int Step => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Load<TOps, TVec>(ref float row, nint at)
            where TOps : ISimdOps<TVec>
            where TVec : struct => TOps.Evens(TOps.Load(ref row, at), TOps.Load(ref row, at + TOps.Count));
    }
}
