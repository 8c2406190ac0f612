using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The two small matrix products the backward passes are made of, over row-major spans. Both accumulate
/// into C. Each is one generic method over the vector width (<see cref="ISimdOps{TVec}"/>), run at
/// <see cref="SimdSupport.Best"/> unless a width is given (the tests run every width), with scalar tails.
/// </summary>
internal static class Gemm
{
    /// <summary>
    /// "axpy form": C[i, j] += Σ_t A(i, t) · B[t, j] with A(i, t) = a[i·aRowStride + t·aColStride], so A or
    /// Aᵀ can be read in place. C is [m × n], B is [k × n]. With <paramref name="accumulate"/> false, C is
    /// overwritten instead (C = A·B), which spares the caller clearing it first.
    /// Vectorized over j (a row of B and C): blocks of four rows × two vectors share each broadcast of A and
    /// each load of B; the last columns are one vector ending at n, whose lanes already done keep their value.
    /// </summary>
    public static void AddProducts(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = true) =>
        AddProducts(a, aRowStride, aColStride, b, c, m, k, n, accumulate, SimdSupport.Best);

    /// <summary><see cref="AddProducts(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/> at a given width.</summary>
    public static void AddProducts(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        Debug.Assert(b.Length >= k * n && c.Length >= m * n);
        Debug.Assert(m == 0 || k == 0 || ((m - 1) * aRowStride) + ((k - 1) * aColStride) < a.Length);
        switch (width)
        {
            case SimdWidth.Vector512:
                AddProducts<Vector512Ops, Vector512<float>>(a, aRowStride, aColStride, b, c, m, k, n, accumulate);
                break;
            case SimdWidth.Vector256:
                AddProducts<Vector256Ops, Vector256<float>>(a, aRowStride, aColStride, b, c, m, k, n, accumulate);
                break;
            case SimdWidth.Vector128:
                AddProducts<Vector128Ops, Vector128<float>>(a, aRowStride, aColStride, b, c, m, k, n, accumulate);
                break;
            default:
                AddProducts<ScalarOps, float>(a, aRowStride, aColStride, b, c, m, k, n, accumulate);
                break;
        }
    }

    /// <summary>
    /// "dot form": C[i, j] += Σ_t A[i, t] · B[j, t], every output a dot product of two contiguous runs of
    /// length k: A's rows start every <paramref name="aStride"/> elements, B's rows at
    /// <paramref name="bStarts"/> (they may overlap: a convolution reads shifted windows of one image).
    /// C is [m × n]. Vectorized over t; a 2×4 block of outputs shares each load (2×2 and single dots for the
    /// edges); the last elements of a run are one vector ending at k, blended into the lanes not yet summed.
    /// </summary>
    public static void AddDotProducts(ReadOnlySpan<float> a, int aStride, ReadOnlySpan<float> b, ReadOnlySpan<int> bStarts, Span<float> c, int m, int n, int k) =>
        AddDotProducts(a, aStride, b, bStarts, c, m, n, k, SimdSupport.Best);

    /// <summary><see cref="AddDotProducts(ReadOnlySpan{float}, int, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, int, int, int)"/> at a given width.</summary>
    public static void AddDotProducts(ReadOnlySpan<float> a, int aStride, ReadOnlySpan<float> b, ReadOnlySpan<int> bStarts, Span<float> c, int m, int n, int k, SimdWidth width)
    {
        Debug.Assert(m == 0 || ((m - 1) * aStride) + k <= a.Length);
        Debug.Assert(bStarts.Length >= n && c.Length >= m * n);
        switch (width)
        {
            case SimdWidth.Vector512:
                AddDotProducts<Vector512Ops, Vector512<float>>(a, aStride, b, bStarts, c, m, n, k);
                break;
            case SimdWidth.Vector256:
                AddDotProducts<Vector256Ops, Vector256<float>>(a, aStride, b, bStarts, c, m, n, k);
                break;
            case SimdWidth.Vector128:
                AddDotProducts<Vector128Ops, Vector128<float>>(a, aStride, b, bStarts, c, m, n, k);
                break;
            default:
                AddDotProducts<ScalarOps, float>(a, aStride, b, bStarts, c, m, n, k);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddProducts<TOps, TVec>(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        int width = TOps.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            ref float aRow = ref Unsafe.Add(ref aRef, i * aRowStride);
            int j = 0;
            for (; j + (2 * width) <= n; j += 2 * width)
            {
                Block4x2<TOps, TVec>(ref aRow, aRowStride, aColStride, ref bRef, ref cRef, (i * n) + j, j, k, n, accumulate);
            }

            for (; j + width <= n; j += width)
            {
                Block4x1<TOps, TVec>(ref aRow, aRowStride, aColStride, ref bRef, ref cRef, (i * n) + j, j, k, n, accumulate, tail: false, TOps.Zero);
            }

            if (j < n && n >= width)
            {
                // The last columns: one vector ending at n, overlapping columns already done, whose lanes it keeps.
                Block4x1<TOps, TVec>(ref aRow, aRowStride, aColStride, ref bRef, ref cRef, (i * n) + n - width, n - width, k, n, accumulate, tail: true, TailMask<TOps, TVec>(n - j));
            }
            else
            {
                for (int r = i; r < i + 4; r++)
                {
                    AddProductsScalar(ref aRef, aRowStride, aColStride, ref bRef, ref cRef, r, k, n, j, accumulate);
                }
            }
        }

        for (; i < m; i++)
        {
            int j = 0;
            for (; j + width <= n; j += width)
            {
                Row1x1<TOps, TVec>(ref Unsafe.Add(ref aRef, i * aRowStride), aColStride, ref bRef, ref cRef, (i * n) + j, j, k, n, accumulate, tail: false, TOps.Zero);
            }

            if (j < n && n >= width)
            {
                Row1x1<TOps, TVec>(ref Unsafe.Add(ref aRef, i * aRowStride), aColStride, ref bRef, ref cRef, (i * n) + n - width, n - width, k, n, accumulate, tail: true, TailMask<TOps, TVec>(n - j));
            }
            else
            {
                AddProductsScalar(ref aRef, aRowStride, aColStride, ref bRef, ref cRef, i, k, n, j, accumulate);
            }
        }
    }

    /// <summary>
    /// Lane masks for a last vector that overlaps work already done: <c>TailMaskBits[16 + l]</c> is all ones,
    /// <c>TailMaskBits[l]</c> zero, so the vector loaded at 16 − width + r has ones in its last r lanes.
    /// </summary>
    private static readonly int[] TailMaskBits = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];

    /// <summary>A mask with ones in the last <paramref name="remaining"/> lanes (0 &lt; remaining &lt; width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec TailMask<TOps, TVec>(int remaining)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.Load(ref Unsafe.As<int, float>(ref MemoryMarshal.GetArrayDataReference(TailMaskBits)), 16 - TOps.Count + remaining);

    /// <summary>
    /// Four rows of C × two vectors of columns (8 independent accumulators: enough to hide the FMA
    /// latency), each broadcast of A shared by two vectors of B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x2<TOps, TVec>(ref float aRow, int aRowStride, int aColStride, ref float bRef, ref float cRef, nint c0, int j, int k, int n, bool accumulate)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        TVec acc0 = accumulate ? TOps.Load(ref cRef, c0) : TOps.Zero;
        TVec acc1 = accumulate ? TOps.Load(ref cRef, c0 + n) : TOps.Zero;
        TVec acc2 = accumulate ? TOps.Load(ref cRef, c0 + (2 * n)) : TOps.Zero;
        TVec acc3 = accumulate ? TOps.Load(ref cRef, c0 + (3 * n)) : TOps.Zero;
        TVec acc4 = accumulate ? TOps.Load(ref cRef, c0 + width) : TOps.Zero;
        TVec acc5 = accumulate ? TOps.Load(ref cRef, c0 + n + width) : TOps.Zero;
        TVec acc6 = accumulate ? TOps.Load(ref cRef, c0 + (2 * n) + width) : TOps.Zero;
        TVec acc7 = accumulate ? TOps.Load(ref cRef, c0 + (3 * n) + width) : TOps.Zero;
        for (int t = 0; t < k; t++)
        {
            TVec b0 = TOps.Load(ref bRef, (t * n) + j);
            TVec b1 = TOps.Load(ref bRef, (t * n) + j + width);
            ref float a0 = ref Unsafe.Add(ref aRow, t * aColStride);
            TVec x = TOps.Create(a0);
            acc0 = TOps.MultiplyAdd(x, b0, acc0);
            acc4 = TOps.MultiplyAdd(x, b1, acc4);
            x = TOps.Create(Unsafe.Add(ref a0, aRowStride));
            acc1 = TOps.MultiplyAdd(x, b0, acc1);
            acc5 = TOps.MultiplyAdd(x, b1, acc5);
            x = TOps.Create(Unsafe.Add(ref a0, 2 * aRowStride));
            acc2 = TOps.MultiplyAdd(x, b0, acc2);
            acc6 = TOps.MultiplyAdd(x, b1, acc6);
            x = TOps.Create(Unsafe.Add(ref a0, 3 * aRowStride));
            acc3 = TOps.MultiplyAdd(x, b0, acc3);
            acc7 = TOps.MultiplyAdd(x, b1, acc7);
        }

        TOps.Store(acc0, ref cRef, c0);
        TOps.Store(acc1, ref cRef, c0 + n);
        TOps.Store(acc2, ref cRef, c0 + (2 * n));
        TOps.Store(acc3, ref cRef, c0 + (3 * n));
        TOps.Store(acc4, ref cRef, c0 + width);
        TOps.Store(acc5, ref cRef, c0 + n + width);
        TOps.Store(acc6, ref cRef, c0 + (2 * n) + width);
        TOps.Store(acc7, ref cRef, c0 + (3 * n) + width);
    }

    /// <summary>
    /// Four rows of C × one vector of columns. For the <paramref name="tail"/> vector, the lanes outside
    /// <paramref name="keep"/> (columns an earlier block finished) keep C's value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block4x1<TOps, TVec>(ref float aRow, int aRowStride, int aColStride, ref float bRef, ref float cRef, nint c0, int j, int k, int n, bool accumulate, bool tail, TVec keep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        bool read = accumulate || tail;
        TVec old0 = read ? TOps.Load(ref cRef, c0) : TOps.Zero, old1 = read ? TOps.Load(ref cRef, c0 + n) : TOps.Zero;
        TVec old2 = read ? TOps.Load(ref cRef, c0 + (2 * n)) : TOps.Zero, old3 = read ? TOps.Load(ref cRef, c0 + (3 * n)) : TOps.Zero;
        TVec acc0 = accumulate ? old0 : TOps.Zero;
        TVec acc1 = accumulate ? old1 : TOps.Zero;
        TVec acc2 = accumulate ? old2 : TOps.Zero;
        TVec acc3 = accumulate ? old3 : TOps.Zero;
        for (int t = 0; t < k; t++)
        {
            TVec bv = TOps.Load(ref bRef, (t * n) + j);
            ref float a0 = ref Unsafe.Add(ref aRow, t * aColStride);
            acc0 = TOps.MultiplyAdd(TOps.Create(a0), bv, acc0);
            acc1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref a0, aRowStride)), bv, acc1);
            acc2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref a0, 2 * aRowStride)), bv, acc2);
            acc3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref a0, 3 * aRowStride)), bv, acc3);
        }

        if (tail)
        {
            (acc0, acc1, acc2, acc3) = (TOps.Select(keep, acc0, old0), TOps.Select(keep, acc1, old1), TOps.Select(keep, acc2, old2), TOps.Select(keep, acc3, old3));
        }

        TOps.Store(acc0, ref cRef, c0);
        TOps.Store(acc1, ref cRef, c0 + n);
        TOps.Store(acc2, ref cRef, c0 + (2 * n));
        TOps.Store(acc3, ref cRef, c0 + (3 * n));
    }

    /// <summary>One row of C × one vector of columns, masked as <see cref="Block4x1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row1x1<TOps, TVec>(ref float aRow, int aColStride, ref float bRef, ref float cRef, nint ci, int j, int k, int n, bool accumulate, bool tail, TVec keep)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec old = accumulate || tail ? TOps.Load(ref cRef, ci) : TOps.Zero;
        TVec acc = accumulate ? old : TOps.Zero;
        for (int t = 0; t < k; t++)
        {
            acc = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref aRow, t * aColStride)), TOps.Load(ref bRef, (t * n) + j), acc);
        }

        if (tail)
        {
            acc = TOps.Select(keep, acc, old);
        }

        TOps.Store(acc, ref cRef, ci);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddDotProducts<TOps, TVec>(ReadOnlySpan<float> a, int aStride, ReadOnlySpan<float> b, ReadOnlySpan<int> bStarts, Span<float> c, int m, int n, int k)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            ref float a0 = ref Unsafe.Add(ref aRef, i * aStride);
            ref float a1 = ref Unsafe.Add(ref aRef, (i + 1) * aStride);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                Debug.Assert(bStarts[j] + k <= b.Length && bStarts[j + 1] + k <= b.Length && bStarts[j + 2] + k <= b.Length && bStarts[j + 3] + k <= b.Length);
                Dot2x4<TOps, TVec>(
                    ref a0, ref a1, ref Unsafe.Add(ref bRef, bStarts[j]), ref Unsafe.Add(ref bRef, bStarts[j + 1]), ref Unsafe.Add(ref bRef, bStarts[j + 2]), ref Unsafe.Add(ref bRef, bStarts[j + 3]), k,
                    c.Slice((i * n) + j, 4), c.Slice(((i + 1) * n) + j, 4));
            }

            for (; j + 2 <= n; j += 2)
            {
                Debug.Assert(bStarts[j] + k <= b.Length && bStarts[j + 1] + k <= b.Length);
                Dot2x2<TOps, TVec>(ref a0, ref a1, ref Unsafe.Add(ref bRef, bStarts[j]), ref Unsafe.Add(ref bRef, bStarts[j + 1]), k, out float s00, out float s01, out float s10, out float s11);
                c[(i * n) + j] += s00;
                c[(i * n) + j + 1] += s01;
                c[((i + 1) * n) + j] += s10;
                c[((i + 1) * n) + j + 1] += s11;
            }

            for (; j < n; j++)
            {
                c[(i * n) + j] += Dot<TOps, TVec>(ref a0, ref Unsafe.Add(ref bRef, bStarts[j]), k);
                c[((i + 1) * n) + j] += Dot<TOps, TVec>(ref a1, ref Unsafe.Add(ref bRef, bStarts[j]), k);
            }
        }

        for (; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                c[(i * n) + j] += Dot<TOps, TVec>(ref Unsafe.Add(ref aRef, i * aStride), ref Unsafe.Add(ref bRef, bStarts[j]), k);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddProductsScalar(ref float aRef, int aRowStride, int aColStride, ref float bRef, ref float cRef, int i, int k, int n, int jStart, bool accumulate)
    {
        for (int j = jStart; j < n; j++)
        {
            float sum = accumulate ? Unsafe.Add(ref cRef, (i * n) + j) : 0f;
            for (int t = 0; t < k; t++)
            {
                sum = ScalarOps.MultiplyAdd(Unsafe.Add(ref aRef, (i * aRowStride) + (t * aColStride)), Unsafe.Add(ref bRef, (t * n) + j), sum);
            }

            Unsafe.Add(ref cRef, (i * n) + j) = sum;
        }
    }

    /// <summary>
    /// Eight dot products of two rows of A with four runs of B, added into <paramref name="c0"/> and
    /// <paramref name="c1"/> (4 outputs each): 6 loads per 8 FMAs and 8 independent accumulators, enough to
    /// hide the FMA latency. Each output sums the same lanes in the same order as <see cref="Dot2x2"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot2x4<TOps, TVec>(ref float a0, ref float a1, ref float b0, ref float b1, ref float b2, ref float b3, int k, Span<float> c0, Span<float> c1)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec v00 = TOps.Zero, v01 = TOps.Zero, v02 = TOps.Zero, v03 = TOps.Zero;
        TVec v10 = TOps.Zero, v11 = TOps.Zero, v12 = TOps.Zero, v13 = TOps.Zero;
        int width = TOps.Count;
        int t = 0;
        for (; t + width <= k; t += width)
        {
            TVec x0 = TOps.Load(ref a0, t);
            TVec x1 = TOps.Load(ref a1, t);
            TVec y = TOps.Load(ref b0, t);
            v00 = TOps.MultiplyAdd(x0, y, v00);
            v10 = TOps.MultiplyAdd(x1, y, v10);
            y = TOps.Load(ref b1, t);
            v01 = TOps.MultiplyAdd(x0, y, v01);
            v11 = TOps.MultiplyAdd(x1, y, v11);
            y = TOps.Load(ref b2, t);
            v02 = TOps.MultiplyAdd(x0, y, v02);
            v12 = TOps.MultiplyAdd(x1, y, v12);
            y = TOps.Load(ref b3, t);
            v03 = TOps.MultiplyAdd(x0, y, v03);
            v13 = TOps.MultiplyAdd(x1, y, v13);
        }

        if (t < k && k >= width)
        {
            // The last elements: one vector ending at k; its lanes already summed keep their accumulators
            // (a blend, not a zeroed operand, so an infinite input cannot turn into 0·∞ = NaN).
            TVec keep = TailMask<TOps, TVec>(k - t);
            t = k - width;
            TVec x0 = TOps.Load(ref a0, t);
            TVec x1 = TOps.Load(ref a1, t);
            TVec y = TOps.Load(ref b0, t);
            v00 = TOps.Select(keep, TOps.MultiplyAdd(x0, y, v00), v00);
            v10 = TOps.Select(keep, TOps.MultiplyAdd(x1, y, v10), v10);
            y = TOps.Load(ref b1, t);
            v01 = TOps.Select(keep, TOps.MultiplyAdd(x0, y, v01), v01);
            v11 = TOps.Select(keep, TOps.MultiplyAdd(x1, y, v11), v11);
            y = TOps.Load(ref b2, t);
            v02 = TOps.Select(keep, TOps.MultiplyAdd(x0, y, v02), v02);
            v12 = TOps.Select(keep, TOps.MultiplyAdd(x1, y, v12), v12);
            y = TOps.Load(ref b3, t);
            v03 = TOps.Select(keep, TOps.MultiplyAdd(x0, y, v03), v03);
            v13 = TOps.Select(keep, TOps.MultiplyAdd(x1, y, v13), v13);
            t = k;
        }

        Span<float> s0 = [TOps.Sum(v00), TOps.Sum(v01), TOps.Sum(v02), TOps.Sum(v03)];
        Span<float> s1 = [TOps.Sum(v10), TOps.Sum(v11), TOps.Sum(v12), TOps.Sum(v13)];
        for (; t < k; t++)
        {
            float x0 = Unsafe.Add(ref a0, t), x1 = Unsafe.Add(ref a1, t);
            float y0 = Unsafe.Add(ref b0, t), y1 = Unsafe.Add(ref b1, t), y2 = Unsafe.Add(ref b2, t), y3 = Unsafe.Add(ref b3, t);
            s0[0] = ScalarOps.MultiplyAdd(x0, y0, s0[0]);
            s0[1] = ScalarOps.MultiplyAdd(x0, y1, s0[1]);
            s0[2] = ScalarOps.MultiplyAdd(x0, y2, s0[2]);
            s0[3] = ScalarOps.MultiplyAdd(x0, y3, s0[3]);
            s1[0] = ScalarOps.MultiplyAdd(x1, y0, s1[0]);
            s1[1] = ScalarOps.MultiplyAdd(x1, y1, s1[1]);
            s1[2] = ScalarOps.MultiplyAdd(x1, y2, s1[2]);
            s1[3] = ScalarOps.MultiplyAdd(x1, y3, s1[3]);
        }

        for (int j = 0; j < 4; j++)
        {
            c0[j] += s0[j];
            c1[j] += s1[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot2x2<TOps, TVec>(ref float a0, ref float a1, ref float b0, ref float b1, int k, out float s00, out float s01, out float s10, out float s11)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec v00 = TOps.Zero, v01 = TOps.Zero, v10 = TOps.Zero, v11 = TOps.Zero;
        int width = TOps.Count;
        int t = 0;
        for (; t + width <= k; t += width)
        {
            TVec x0 = TOps.Load(ref a0, t);
            TVec x1 = TOps.Load(ref a1, t);
            TVec y0 = TOps.Load(ref b0, t);
            TVec y1 = TOps.Load(ref b1, t);
            v00 = TOps.MultiplyAdd(x0, y0, v00);
            v01 = TOps.MultiplyAdd(x0, y1, v01);
            v10 = TOps.MultiplyAdd(x1, y0, v10);
            v11 = TOps.MultiplyAdd(x1, y1, v11);
        }

        if (t < k && k >= width)
        {
            TVec keep = TailMask<TOps, TVec>(k - t);
            t = k - width;
            TVec x0 = TOps.Load(ref a0, t);
            TVec x1 = TOps.Load(ref a1, t);
            TVec y0 = TOps.Load(ref b0, t);
            TVec y1 = TOps.Load(ref b1, t);
            v00 = TOps.Select(keep, TOps.MultiplyAdd(x0, y0, v00), v00);
            v01 = TOps.Select(keep, TOps.MultiplyAdd(x0, y1, v01), v01);
            v10 = TOps.Select(keep, TOps.MultiplyAdd(x1, y0, v10), v10);
            v11 = TOps.Select(keep, TOps.MultiplyAdd(x1, y1, v11), v11);
            t = k;
        }

        s00 = TOps.Sum(v00);
        s01 = TOps.Sum(v01);
        s10 = TOps.Sum(v10);
        s11 = TOps.Sum(v11);
        for (; t < k; t++)
        {
            float x0 = Unsafe.Add(ref a0, t), x1 = Unsafe.Add(ref a1, t);
            float y0 = Unsafe.Add(ref b0, t), y1 = Unsafe.Add(ref b1, t);
            s00 = ScalarOps.MultiplyAdd(x0, y0, s00);
            s01 = ScalarOps.MultiplyAdd(x0, y1, s01);
            s10 = ScalarOps.MultiplyAdd(x1, y0, s10);
            s11 = ScalarOps.MultiplyAdd(x1, y1, s11);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<TOps, TVec>(ref float a, ref float b, int k)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec acc = TOps.Zero;
        int width = TOps.Count;
        int t = 0;
        for (; t + width <= k; t += width)
        {
            acc = TOps.MultiplyAdd(TOps.Load(ref a, t), TOps.Load(ref b, t), acc);
        }

        if (t < k && k >= width)
        {
            TVec keep = TailMask<TOps, TVec>(k - t);
            t = k - width;
            acc = TOps.Select(keep, TOps.MultiplyAdd(TOps.Load(ref a, t), TOps.Load(ref b, t), acc), acc);
            t = k;
        }

        float sum = TOps.Sum(acc);
        for (; t < k; t++)
        {
            sum = ScalarOps.MultiplyAdd(Unsafe.Add(ref a, t), Unsafe.Add(ref b, t), sum);
        }

        return sum;
    }
}
