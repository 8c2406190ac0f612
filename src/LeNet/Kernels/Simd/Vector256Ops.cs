using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LeNet.Kernels.Simd;

/// <summary>The kernels' operations on <see cref="Vector256{T}"/> of float: 8 lanes (AVX2).</summary>
internal readonly struct Vector256Ops : ISimdOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    // MultiplyAddEstimate is one FMA instruction where the CPU has FMA and multiply + add elsewhere
    // (FusedMultiplyAdd would fall back to a slow software emulation there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) =>
        Vector256.MultiplyAddEstimate(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> left, Vector256<float> right) => Vector256.Max(left, right);

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
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        Vector256<float> magic = Vector256.Create(12583039f); // 1.5·2²³ + 127
        x = Vector256.Clamp(x, Vector256.Create(-87f), Vector256.Create(87f));
        Vector256<float> t = Vector256.MultiplyAddEstimate(x, Vector256.Create(-1.44269504f), magic);
        Vector256<float> n = t - magic;

        // r = x + n·ln2 = −(−x − n·ln2): the polynomial is evaluated at −r (odd coefficients negated).
        Vector256<float> r = Vector256.MultiplyAddEstimate(n, Vector256.Create(0.693359375f), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-2.12194440e-4f), r);
        Vector256<float> p = Vector256.MultiplyAddEstimate(Vector256.Create(-8.3125010e-3f), r, Vector256.Create(4.1890115e-2f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(-0.16667114f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.49999231f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(-1f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        Vector256<float> scale = Vector256.ShiftLeft(t.AsInt32(), 23).AsSingle();
        return Vector256<float>.One / Vector256.MultiplyAddEstimate(p, scale, Vector256<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Evens(Vector256<float> left, Vector256<float> right) =>
        Avx2.IsSupported
            ? Avx2.Permute4x64(Avx.Shuffle(left, right, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle()
            : Vector256.Create(Vector128Ops.Evens(left.GetLower(), left.GetUpper()), Vector128Ops.Evens(right.GetLower(), right.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Odds(Vector256<float> left, Vector256<float> right) =>
        Avx2.IsSupported
            ? Avx2.Permute4x64(Avx.Shuffle(left, right, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle()
            : Vector256.Create(Vector128Ops.Odds(left.GetLower(), left.GetUpper()), Vector128Ops.Odds(right.GetLower(), right.GetUpper()));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LowerHalves(Vector256<float> left, Vector256<float> right) => Vector256.Create(left.GetLower(), right.GetLower());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sqrt(Vector256<float> value) => Vector256.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Equal(Vector256<float> left, Vector256<float> right) => Vector256.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> GreaterThan(Vector256<float> left, Vector256<float> right) => Vector256.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> left, Vector256<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> AndNot(Vector256<float> left, Vector256<float> right) => Vector256.AndNot(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Min(Vector256<float> left, Vector256<float> right) => Vector256.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> ifTrue, Vector256<float> ifFalse) => Vector256.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PowerOfTwo(Vector256<float> t) => Vector256.ShiftLeft(t.AsInt32(), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log(Vector256<float> x) => Vector256.Log(x);
}
