using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LeNet.Kernels;

/// <summary>
/// The two small matrix products the backward passes are made of, over row-major spans. Both accumulate
/// into C. Vectorized with <see cref="Vector{T}"/> (the JIT picks the widest accelerated width it
/// prefers, and the software fallback keeps it correct without SIMD), scalar tails.
/// </summary>
internal static class Gemm
{
    /// <summary>
    /// "axpy form": C[i, j] += Σ_t A(i, t) · B[t, j] with A(i, t) = a[i·aRowStride + t·aColStride], so A or
    /// Aᵀ can be read in place. C is [m × n], B is [k × n]. With <paramref name="accumulate"/> false, C is
    /// overwritten instead (C = A·B), which spares the caller clearing it first.
    /// Vectorized over j (a row of B and C); four rows of C share each load of B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddProducts(ReadOnlySpan<float> a, int aRowStride, int aColStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate = true)
    {
        Debug.Assert(b.Length >= k * n && c.Length >= m * n);
        Debug.Assert(m == 0 || k == 0 || ((m - 1) * aRowStride) + ((k - 1) * aColStride) < a.Length);
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        int width = Vector<float>.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int j = 0;
            for (; j + width <= n; j += width)
            {
                ref float c0 = ref Unsafe.Add(ref cRef, (i * n) + j);
                Vector<float> acc0 = accumulate ? Load(ref c0) : Vector<float>.Zero;
                Vector<float> acc1 = accumulate ? Load(ref Unsafe.Add(ref c0, n)) : Vector<float>.Zero;
                Vector<float> acc2 = accumulate ? Load(ref Unsafe.Add(ref c0, 2 * n)) : Vector<float>.Zero;
                Vector<float> acc3 = accumulate ? Load(ref Unsafe.Add(ref c0, 3 * n)) : Vector<float>.Zero;
                for (int t = 0; t < k; t++)
                {
                    Vector<float> bv = Load(ref Unsafe.Add(ref bRef, (t * n) + j));
                    ref float a0 = ref Unsafe.Add(ref aRef, (i * aRowStride) + (t * aColStride));
                    acc0 = Vector.FusedMultiplyAdd(new Vector<float>(a0), bv, acc0);
                    acc1 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a0, aRowStride)), bv, acc1);
                    acc2 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a0, 2 * aRowStride)), bv, acc2);
                    acc3 = Vector.FusedMultiplyAdd(new Vector<float>(Unsafe.Add(ref a0, 3 * aRowStride)), bv, acc3);
                }

                Store(acc0, ref c0);
                Store(acc1, ref Unsafe.Add(ref c0, n));
                Store(acc2, ref Unsafe.Add(ref c0, 2 * n));
                Store(acc3, ref Unsafe.Add(ref c0, 3 * n));
            }

            for (int r = i; r < i + 4; r++)
            {
                AddProductsScalar(ref aRef, aRowStride, aColStride, ref bRef, ref cRef, r, k, n, j, accumulate);
            }
        }

        for (; i < m; i++)
        {
            int j = 0;
            for (; j + width <= n; j += width)
            {
                ref float ci = ref Unsafe.Add(ref cRef, (i * n) + j);
                Vector<float> acc = accumulate ? Load(ref ci) : Vector<float>.Zero;
                for (int t = 0; t < k; t++)
                {
                    float coef = Unsafe.Add(ref aRef, (i * aRowStride) + (t * aColStride));
                    acc = Vector.FusedMultiplyAdd(new Vector<float>(coef), Load(ref Unsafe.Add(ref bRef, (t * n) + j)), acc);
                }

                Store(acc, ref ci);
            }

            AddProductsScalar(ref aRef, aRowStride, aColStride, ref bRef, ref cRef, i, k, n, j, accumulate);
        }
    }

    /// <summary>
    /// "dot form": C[i, j] += Σ_t A[i, t] · B[j, t], every output a dot product of two contiguous runs of
    /// length k: A's rows start every <paramref name="aStride"/> elements, B's rows at
    /// <paramref name="bStarts"/> (they may overlap: a convolution reads shifted windows of one image).
    /// C is [m × n]. Vectorized over t; a 2×2 block of outputs shares each load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddDotProducts(ReadOnlySpan<float> a, int aStride, ReadOnlySpan<float> b, ReadOnlySpan<int> bStarts, Span<float> c, int m, int n, int k)
    {
        Debug.Assert(m == 0 || ((m - 1) * aStride) + k <= a.Length);
        Debug.Assert(bStarts.Length >= n && c.Length >= m * n);
        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float bRef = ref MemoryMarshal.GetReference(b);
        int i = 0;
        for (; i + 2 <= m; i += 2)
        {
            ref float a0 = ref Unsafe.Add(ref aRef, i * aStride);
            ref float a1 = ref Unsafe.Add(ref aRef, (i + 1) * aStride);
            int j = 0;
            for (; j + 2 <= n; j += 2)
            {
                Debug.Assert(bStarts[j] + k <= b.Length && bStarts[j + 1] + k <= b.Length);
                Dot2x2(ref a0, ref a1, ref Unsafe.Add(ref bRef, bStarts[j]), ref Unsafe.Add(ref bRef, bStarts[j + 1]), k, out float s00, out float s01, out float s10, out float s11);
                c[(i * n) + j] += s00;
                c[(i * n) + j + 1] += s01;
                c[((i + 1) * n) + j] += s10;
                c[((i + 1) * n) + j + 1] += s11;
            }

            for (; j < n; j++)
            {
                c[(i * n) + j] += Dot(ref a0, ref Unsafe.Add(ref bRef, bStarts[j]), k);
                c[((i + 1) * n) + j] += Dot(ref a1, ref Unsafe.Add(ref bRef, bStarts[j]), k);
            }
        }

        for (; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                c[(i * n) + j] += Dot(ref Unsafe.Add(ref aRef, i * aStride), ref Unsafe.Add(ref bRef, bStarts[j]), k);
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
                sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref aRef, (i * aRowStride) + (t * aColStride)), Unsafe.Add(ref bRef, (t * n) + j), sum);
            }

            Unsafe.Add(ref cRef, (i * n) + j) = sum;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot2x2(ref float a0, ref float a1, ref float b0, ref float b1, int k, out float s00, out float s01, out float s10, out float s11)
    {
        Vector<float> v00 = Vector<float>.Zero, v01 = Vector<float>.Zero, v10 = Vector<float>.Zero, v11 = Vector<float>.Zero;
        int width = Vector<float>.Count;
        int t = 0;
        for (; t + width <= k; t += width)
        {
            Vector<float> x0 = Load(ref Unsafe.Add(ref a0, t));
            Vector<float> x1 = Load(ref Unsafe.Add(ref a1, t));
            Vector<float> y0 = Load(ref Unsafe.Add(ref b0, t));
            Vector<float> y1 = Load(ref Unsafe.Add(ref b1, t));
            v00 = Vector.FusedMultiplyAdd(x0, y0, v00);
            v01 = Vector.FusedMultiplyAdd(x0, y1, v01);
            v10 = Vector.FusedMultiplyAdd(x1, y0, v10);
            v11 = Vector.FusedMultiplyAdd(x1, y1, v11);
        }

        s00 = Vector.Sum(v00);
        s01 = Vector.Sum(v01);
        s10 = Vector.Sum(v10);
        s11 = Vector.Sum(v11);
        for (; t < k; t++)
        {
            float x0 = Unsafe.Add(ref a0, t), x1 = Unsafe.Add(ref a1, t);
            float y0 = Unsafe.Add(ref b0, t), y1 = Unsafe.Add(ref b1, t);
            s00 = MathF.FusedMultiplyAdd(x0, y0, s00);
            s01 = MathF.FusedMultiplyAdd(x0, y1, s01);
            s10 = MathF.FusedMultiplyAdd(x1, y0, s10);
            s11 = MathF.FusedMultiplyAdd(x1, y1, s11);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(ref float a, ref float b, int k)
    {
        Vector<float> acc = Vector<float>.Zero;
        int width = Vector<float>.Count;
        int t = 0;
        for (; t + width <= k; t += width)
        {
            acc = Vector.FusedMultiplyAdd(Load(ref Unsafe.Add(ref a, t)), Load(ref Unsafe.Add(ref b, t)), acc);
        }

        float sum = Vector.Sum(acc);
        for (; t < k; t++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, t), Unsafe.Add(ref b, t), sum);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float source) => Vector.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> value, ref float destination) => value.StoreUnsafe(ref destination);
}
