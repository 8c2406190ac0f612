using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LeNet.Kernels.Simd;

/// <summary>The kernels' operations on <see cref="Vector128{T}"/> of float: 4 lanes (SSE / AdvSimd).</summary>
internal readonly struct Vector128Ops : ISimdOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref source, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref destination, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    // MultiplyAddEstimate is one FMA instruction where the CPU has FMA and multiply + add elsewhere
    // (FusedMultiplyAdd would fall back to a slow software emulation there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend) =>
        Vector128.MultiplyAddEstimate(left, right, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> left, Vector128<float> right) => Vector128.Max(left, right);

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
    public static Vector128<float> Sigmoid(Vector128<float> x)
    {
        Vector128<float> magic = Vector128.Create(12583039f); // 1.5·2²³ + 127
        x = Vector128.Clamp(x, Vector128.Create(-87f), Vector128.Create(87f));
        Vector128<float> t = Vector128.MultiplyAddEstimate(x, Vector128.Create(-1.44269504f), magic);
        Vector128<float> n = t - magic;

        // r = x + n·ln2 = −(−x − n·ln2): the polynomial is evaluated at −r (odd coefficients negated).
        Vector128<float> r = Vector128.MultiplyAddEstimate(n, Vector128.Create(0.693359375f), x);
        r = Vector128.MultiplyAddEstimate(n, Vector128.Create(-2.12194440e-4f), r);
        Vector128<float> p = Vector128.MultiplyAddEstimate(Vector128.Create(-8.3125010e-3f), r, Vector128.Create(4.1890115e-2f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(-0.16667114f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(0.49999231f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128.Create(-1f));
        p = Vector128.MultiplyAddEstimate(p, r, Vector128<float>.One);
        Vector128<float> scale = Vector128.ShiftLeft(t.AsInt32(), 23).AsSingle();
        return Vector128<float>.One / Vector128.MultiplyAddEstimate(p, scale, Vector128<float>.One);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Evens(Vector128<float> left, Vector128<float> right) =>
        Sse.IsSupported ? Sse.Shuffle(left, right, 0b10_00_10_00)
        : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.UnzipEven(left, right)
        : Vector128.Create(left[0], left[2], right[0], right[2]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Odds(Vector128<float> left, Vector128<float> right) =>
        Sse.IsSupported ? Sse.Shuffle(left, right, 0b11_01_11_01)
        : AdvSimd.Arm64.IsSupported ? AdvSimd.Arm64.UnzipOdd(left, right)
        : Vector128.Create(left[1], left[3], right[1], right[3]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LowerHalves(Vector128<float> left, Vector128<float> right) => Vector128.Create(left.GetLower(), right.GetLower());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sqrt(Vector128<float> value) => Vector128.Sqrt(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Equal(Vector128<float> left, Vector128<float> right) => Vector128.Equals(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> GreaterThan(Vector128<float> left, Vector128<float> right) => Vector128.GreaterThan(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> left, Vector128<float> right) => left & right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> AndNot(Vector128<float> left, Vector128<float> right) => Vector128.AndNot(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Min(Vector128<float> left, Vector128<float> right) => Vector128.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Select(Vector128<float> mask, Vector128<float> ifTrue, Vector128<float> ifFalse) => Vector128.ConditionalSelect(mask, ifTrue, ifFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PowerOfTwo(Vector128<float> t) => Vector128.ShiftLeft(t.AsInt32(), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log(Vector128<float> x) => Vector128.Log(x);
}
