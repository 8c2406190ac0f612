using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LeNet.Kernels.Simd;

/// <summary>The kernels' operations on <see cref="Vector512{T}"/> of float: 16 lanes (AVX-512).</summary>
internal readonly struct Vector512Ops : ISimdOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    // MultiplyAddEstimate is one FMA instruction where the CPU has FMA and multiply + add elsewhere
    // (FusedMultiplyAdd would fall back to a slow software emulation there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) =>
        Vector512.MultiplyAddEstimate(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> left, Vector512<float> right) => Vector512.Max(left, right);

    /// <summary>
    /// 1 / (1 + e^−x), with e^−x = 2^n · p(r): n = round(−x·log₂e) by the 1.5·2²³ "magic number" addition
    /// (whose low mantissa bits are then n + 127, the exponent of 2^n: one shift, no float→int
    /// conversion), r the Cody–Waite reduced argument (|r| ≤ ln2/2) and p a degree-5 minimax polynomial
    /// (relative error 1.8e-7). x is clamped to ±87 so 2^n stays a normal float (σ is then 1.6e-38 or
    /// 1 − 1.6e-38, the true value to float precision); NaN stays NaN. 14 operations, in single
    /// precision (TensorPrimitives widens to double), kept in registers so a kernel's epilogue applies it
    /// before storing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        Vector512<float> magic = Vector512.Create(12583039f); // 1.5·2²³ + 127
        x = Vector512.Clamp(x, Vector512.Create(-87f), Vector512.Create(87f));
        Vector512<float> t = Vector512.MultiplyAddEstimate(x, Vector512.Create(-1.44269504f), magic);
        Vector512<float> n = t - magic;

        // r = x + n·ln2 = −(−x − n·ln2): the polynomial is evaluated at −r (odd coefficients negated).
        Vector512<float> r = Vector512.MultiplyAddEstimate(n, Vector512.Create(0.693359375f), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-2.12194440e-4f), r);
        Vector512<float> p = Vector512.MultiplyAddEstimate(Vector512.Create(-8.3125010e-3f), r, Vector512.Create(4.1890115e-2f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(-0.16667114f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(0.49999231f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(-1f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        Vector512<float> scale = Vector512.ShiftLeft(t.AsInt32(), 23).AsSingle();
        return Vector512<float>.One / Vector512.MultiplyAddEstimate(p, scale, Vector512<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Evens(Vector512<float> left, Vector512<float> right) =>
        Avx512F.IsSupported
            ? Avx512F.PermuteVar16x32x2(left, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), right)
            : Vector512.Create(Vector256Ops.Evens(left.GetLower(), left.GetUpper()), Vector256Ops.Evens(right.GetLower(), right.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Odds(Vector512<float> left, Vector512<float> right) =>
        Avx512F.IsSupported
            ? Avx512F.PermuteVar16x32x2(left, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), right)
            : Vector512.Create(Vector256Ops.Odds(left.GetLower(), left.GetUpper()), Vector256Ops.Odds(right.GetLower(), right.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LowerHalves(Vector512<float> left, Vector512<float> right) => Vector512.Create(left.GetLower(), right.GetLower());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sqrt(Vector512<float> value) => Vector512.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Equal(Vector512<float> left, Vector512<float> right) => Vector512.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GreaterThan(Vector512<float> left, Vector512<float> right) => Vector512.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> left, Vector512<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> AndNot(Vector512<float> left, Vector512<float> right) => Vector512.AndNot(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Min(Vector512<float> left, Vector512<float> right) => Vector512.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> ifTrue, Vector512<float> ifFalse) => Vector512.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PowerOfTwo(Vector512<float> t) => Vector512.ShiftLeft(t.AsInt32(), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log(Vector512<float> x) => Vector512.Log(x);
}
