using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// A convolution's weight gradient for one image, as outer products vectorized over output channels:
/// dWᵀ[q, o] += Σ_(y,x) padded[start_q + y·rowStep + x·colStep] · dYᵀ[y·OW + x, o], q a weight tap (c, i, j)
/// whose window starts at <c>start_q = c·plane + i·(W+2p) + j</c> in the zero-padded image.
/// </summary>
/// <remarks>
/// <para>Shapes: <c>padded [C, H+2p, W+2p]</c>; <c>dyT [OH·OW, lanes]</c>, the image's output gradient transposed so a
/// pixel's output channels are contiguous, padded with zero channels to <c>lanes</c> (a multiple of the vector
/// width); <c>weightGradT [taps, lanes]</c>, accumulated. No im2col for any stride: the taps read the padded image in place.</para>
/// <para>Why over output channels: the reduction runs over pixels, so one operand must be transposed to give the
/// vector a non-reduced axis; dY is the small one (O·OH·OW floats). A block of six taps × two vectors of
/// channels keeps 12 accumulators (fits AVX2's 16 registers), each tap's value broadcast once per pixel and each
/// dY vector loaded once per pixel: 8 loads per 12 FMAs, no horizontal sums; an odd last vector (16 channels at 512 bits) takes six taps × one vector. Each output's sum runs over the pixels
/// in order, so the result does not depend on the blocking or the thread count.</para>
/// </remarks>
internal static class ConvWeightGradientKernel
{
    /// <summary>Taps per block.</summary>
    private const int Taps = 6;

    public static void Accumulate(
        ReadOnlySpan<float> padded, ReadOnlySpan<float> dyT, ReadOnlySpan<int> tapStarts, Span<float> weightGradT,
        int lanes, int outHeight, int outWidth, int rowStep, int colStep, SimdWidth width)
    {
        Debug.Assert(lanes % (int)width == 0 && dyT.Length >= outHeight * outWidth * lanes && weightGradT.Length >= tapStarts.Length * lanes);
        Debug.Assert(tapStarts.Length == 0 || tapStarts[^1] + ((outHeight - 1) * rowStep) + ((outWidth - 1) * colStep) < padded.Length);
        switch (width)
        {
            case SimdWidth.Vector512:
                Accumulate<Vector512Ops, Vector512<float>>(padded, dyT, tapStarts, weightGradT, lanes, outHeight, outWidth, rowStep, colStep);
                break;
            case SimdWidth.Vector256:
                Accumulate<Vector256Ops, Vector256<float>>(padded, dyT, tapStarts, weightGradT, lanes, outHeight, outWidth, rowStep, colStep);
                break;
            case SimdWidth.Vector128:
                Accumulate<Vector128Ops, Vector128<float>>(padded, dyT, tapStarts, weightGradT, lanes, outHeight, outWidth, rowStep, colStep);
                break;
            default:
                Accumulate<ScalarOps, float>(padded, dyT, tapStarts, weightGradT, lanes, outHeight, outWidth, rowStep, colStep);
                break;
        }
    }

    /// <summary>Transposes one image's output gradient [O, P] into [P, lanes]; the channels past O stay as they are (zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose(ReadOnlySpan<float> dy, Span<float> dyT, int channels, int pixels, int lanes)
    {
        Debug.Assert(dy.Length >= channels * pixels && dyT.Length >= pixels * lanes && lanes >= channels);
        for (int o = 0; o < channels; o++)
        {
            ReadOnlySpan<float> plane = dy.Slice(o * pixels, pixels);
            for (int p = 0; p < pixels; p++)
            {
                dyT[(p * lanes) + o] = plane[p];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<TOps, TVec>(
        ReadOnlySpan<float> padded, ReadOnlySpan<float> dyT, ReadOnlySpan<int> tapStarts, Span<float> weightGradT,
        int lanes, int outHeight, int outWidth, int rowStep, int colStep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float x = ref MemoryMarshal.GetReference(padded);
        ref float d = ref MemoryMarshal.GetReference(dyT);
        ref float w = ref MemoryMarshal.GetReference(weightGradT);
        int count = TOps.Count, taps = tapStarts.Length;
        int q = 0;
        for (; q + Taps <= taps; q += Taps)
        {
            int v = 0;
            for (; v + (2 * count) <= lanes; v += 2 * count)
            {
                Block6x2<TOps, TVec>(ref x, ref d, ref w, tapStarts.Slice(q, Taps), q, v, lanes, outHeight, outWidth, rowStep, colStep);
            }

            if (v < lanes)
            {
                Block6x1<TOps, TVec>(ref x, ref d, ref w, tapStarts.Slice(q, Taps), q, v, lanes, outHeight, outWidth, rowStep, colStep);
            }
        }

        for (; q < taps; q++)
        {
            for (int v = 0; v < lanes; v += count)
            {
                Block1x1<TOps, TVec>(ref x, ref d, ref w, tapStarts[q], q, v, lanes, outHeight, outWidth, rowStep, colStep);
            }
        }
    }

    /// <summary>Six taps × two vectors of output channels over every pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block6x2<TOps, TVec>(
        ref float x, ref float d, ref float w, ReadOnlySpan<int> starts, int q, int v, int lanes, int outHeight, int outWidth, int rowStep, int colStep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nint count = TOps.Count;
        nint w0 = ((nint)q * lanes) + v;
        nint rowLanes = lanes;
        TVec a00 = TOps.Load(ref w, w0), a01 = TOps.Load(ref w, w0 + count);
        TVec a10 = TOps.Load(ref w, w0 + rowLanes), a11 = TOps.Load(ref w, w0 + rowLanes + count);
        TVec a20 = TOps.Load(ref w, w0 + (2 * rowLanes)), a21 = TOps.Load(ref w, w0 + (2 * rowLanes) + count);
        TVec a30 = TOps.Load(ref w, w0 + (3 * rowLanes)), a31 = TOps.Load(ref w, w0 + (3 * rowLanes) + count);
        TVec a40 = TOps.Load(ref w, w0 + (4 * rowLanes)), a41 = TOps.Load(ref w, w0 + (4 * rowLanes) + count);
        TVec a50 = TOps.Load(ref w, w0 + (5 * rowLanes)), a51 = TOps.Load(ref w, w0 + (5 * rowLanes) + count);
        ref float x0 = ref Unsafe.Add(ref x, starts[0]);
        ref float x1 = ref Unsafe.Add(ref x, starts[1]);
        ref float x2 = ref Unsafe.Add(ref x, starts[2]);
        ref float x3 = ref Unsafe.Add(ref x, starts[3]);
        ref float x4 = ref Unsafe.Add(ref x, starts[4]);
        ref float x5 = ref Unsafe.Add(ref x, starts[5]);
        nint dy = v;
        for (int row = 0; row < outHeight; row++)
        {
            nint position = (nint)row * rowStep;
            for (int col = 0; col < outWidth; col++, position += colStep, dy += rowLanes)
            {
                TVec d0 = TOps.Load(ref d, dy), d1 = TOps.Load(ref d, dy + count);
                TVec b = TOps.Create(Unsafe.Add(ref x0, position));
                a00 = TOps.MultiplyAdd(b, d0, a00);
                a01 = TOps.MultiplyAdd(b, d1, a01);
                b = TOps.Create(Unsafe.Add(ref x1, position));
                a10 = TOps.MultiplyAdd(b, d0, a10);
                a11 = TOps.MultiplyAdd(b, d1, a11);
                b = TOps.Create(Unsafe.Add(ref x2, position));
                a20 = TOps.MultiplyAdd(b, d0, a20);
                a21 = TOps.MultiplyAdd(b, d1, a21);
                b = TOps.Create(Unsafe.Add(ref x3, position));
                a30 = TOps.MultiplyAdd(b, d0, a30);
                a31 = TOps.MultiplyAdd(b, d1, a31);
                b = TOps.Create(Unsafe.Add(ref x4, position));
                a40 = TOps.MultiplyAdd(b, d0, a40);
                a41 = TOps.MultiplyAdd(b, d1, a41);
                b = TOps.Create(Unsafe.Add(ref x5, position));
                a50 = TOps.MultiplyAdd(b, d0, a50);
                a51 = TOps.MultiplyAdd(b, d1, a51);
            }
        }

        TOps.Store(a00, ref w, w0);
        TOps.Store(a01, ref w, w0 + count);
        TOps.Store(a10, ref w, w0 + rowLanes);
        TOps.Store(a11, ref w, w0 + rowLanes + count);
        TOps.Store(a20, ref w, w0 + (2 * rowLanes));
        TOps.Store(a21, ref w, w0 + (2 * rowLanes) + count);
        TOps.Store(a30, ref w, w0 + (3 * rowLanes));
        TOps.Store(a31, ref w, w0 + (3 * rowLanes) + count);
        TOps.Store(a40, ref w, w0 + (4 * rowLanes));
        TOps.Store(a41, ref w, w0 + (4 * rowLanes) + count);
        TOps.Store(a50, ref w, w0 + (5 * rowLanes));
        TOps.Store(a51, ref w, w0 + (5 * rowLanes) + count);
    }

    /// <summary>Six taps × the last (odd) vector of output channels over every pixel: 16 channels at 512 bits, for one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block6x1<TOps, TVec>(
        ref float x, ref float d, ref float w, ReadOnlySpan<int> starts, int q, int v, int lanes, int outHeight, int outWidth, int rowStep, int colStep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nint w0 = ((nint)q * lanes) + v;
        nint rowLanes = lanes;
        TVec a0 = TOps.Load(ref w, w0), a1 = TOps.Load(ref w, w0 + rowLanes), a2 = TOps.Load(ref w, w0 + (2 * rowLanes));
        TVec a3 = TOps.Load(ref w, w0 + (3 * rowLanes)), a4 = TOps.Load(ref w, w0 + (4 * rowLanes)), a5 = TOps.Load(ref w, w0 + (5 * rowLanes));
        ref float x0 = ref Unsafe.Add(ref x, starts[0]);
        ref float x1 = ref Unsafe.Add(ref x, starts[1]);
        ref float x2 = ref Unsafe.Add(ref x, starts[2]);
        ref float x3 = ref Unsafe.Add(ref x, starts[3]);
        ref float x4 = ref Unsafe.Add(ref x, starts[4]);
        ref float x5 = ref Unsafe.Add(ref x, starts[5]);
        nint dy = v;
        for (int row = 0; row < outHeight; row++)
        {
            nint position = (nint)row * rowStep;
            for (int col = 0; col < outWidth; col++, position += colStep, dy += rowLanes)
            {
                TVec d0 = TOps.Load(ref d, dy);
                a0 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x0, position)), d0, a0);
                a1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x1, position)), d0, a1);
                a2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x2, position)), d0, a2);
                a3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x3, position)), d0, a3);
                a4 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x4, position)), d0, a4);
                a5 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x5, position)), d0, a5);
            }
        }

        TOps.Store(a0, ref w, w0);
        TOps.Store(a1, ref w, w0 + rowLanes);
        TOps.Store(a2, ref w, w0 + (2 * rowLanes));
        TOps.Store(a3, ref w, w0 + (3 * rowLanes));
        TOps.Store(a4, ref w, w0 + (4 * rowLanes));
        TOps.Store(a5, ref w, w0 + (5 * rowLanes));
    }

    /// <summary>One tap × one vector of output channels over every pixel (the edges).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block1x1<TOps, TVec>(
        ref float x, ref float d, ref float w, int start, int q, int v, int lanes, int outHeight, int outWidth, int rowStep, int colStep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        nint w0 = ((nint)q * lanes) + v;
        TVec a = TOps.Load(ref w, w0);
        ref float x0 = ref Unsafe.Add(ref x, start);
        nint dy = v;
        for (int row = 0; row < outHeight; row++)
        {
            nint position = (nint)row * rowStep;
            for (int col = 0; col < outWidth; col++, position += colStep, dy += lanes)
            {
                a = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref x0, position)), TOps.Load(ref d, dy), a);
            }
        }

        TOps.Store(a, ref w, w0);
    }
}
