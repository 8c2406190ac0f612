using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// C = A·B for a block of 4 rows of C, over row-major arrays whose row widths the caller pads: A [4, K]
/// (row stride <c>aStride</c>), B [K, width] and C [4, width] (row strides <c>bStride</c>, <c>cStride</c>),
/// with width a multiple of 2 vectors. The dense layers' weight gradient dW = dZᵀ·X over a whole batch.
/// </summary>
internal static class RowBlockGemm
{
    /// <summary>Rows of C per block.</summary>
    public const int Rows = 4;

    /// <summary>
    /// Vectorized over C's columns: 4 rows × 2 vectors = 8 accumulators, each step of K loads 2 vectors
    /// of B and broadcasts 4 elements of A. C is overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<TOps, TVec>(ReadOnlySpan<float> a, int aStride, ReadOnlySpan<float> b, int bStride, Span<float> c, int cStride, int k, int width)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int v = TOps.Count;
        Debug.Assert(width % (2 * v) == 0 && width <= bStride && width <= cStride);
        Debug.Assert(k == 0 || (a.Length >= (3 * aStride) + k && b.Length >= ((k - 1) * bStride) + width && c.Length >= (3 * cStride) + width));
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        for (int j = 0; j < width; j += 2 * v)
        {
            TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
            TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
            ref float bj = ref Unsafe.Add(ref bRef, j);
            for (int t = 0; t < k; t++)
            {
                ref float bt = ref Unsafe.Add(ref bj, t * (nint)bStride);
                TVec b0 = TOps.Load(ref bt, 0), b1 = TOps.Load(ref bt, v);
                ref float at = ref Unsafe.Add(ref aRef, t);
                TVec s = TOps.Create(at);
                c00 = TOps.MultiplyAdd(s, b0, c00);
                c01 = TOps.MultiplyAdd(s, b1, c01);
                s = TOps.Create(Unsafe.Add(ref at, aStride));
                c10 = TOps.MultiplyAdd(s, b0, c10);
                c11 = TOps.MultiplyAdd(s, b1, c11);
                s = TOps.Create(Unsafe.Add(ref at, 2 * aStride));
                c20 = TOps.MultiplyAdd(s, b0, c20);
                c21 = TOps.MultiplyAdd(s, b1, c21);
                s = TOps.Create(Unsafe.Add(ref at, 3 * aStride));
                c30 = TOps.MultiplyAdd(s, b0, c30);
                c31 = TOps.MultiplyAdd(s, b1, c31);
            }

            ref float cj = ref Unsafe.Add(ref cRef, j);
            TOps.Store(c00, ref cj, 0);
            TOps.Store(c01, ref cj, v);
            TOps.Store(c10, ref cj, cStride);
            TOps.Store(c11, ref cj, cStride + v);
            TOps.Store(c20, ref cj, 2 * cStride);
            TOps.Store(c21, ref cj, (2 * cStride) + v);
            TOps.Store(c30, ref cj, 3 * cStride);
            TOps.Store(c31, ref cj, (3 * cStride) + v);
        }
    }
}
