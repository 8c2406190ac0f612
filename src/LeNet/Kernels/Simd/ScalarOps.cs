using System.Runtime.CompilerServices;

namespace LeNet.Kernels.Simd;

/// <summary>
/// The kernels' operations on one float: the bottom of the dispatch ladder, used when no vector width
/// is accelerated. Plain multiply and add (no FMA), so it needs no hardware intrinsic at all.
/// </summary>
internal readonly struct ScalarOps : ISimdOps<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Create(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref float source, nint offset) => Unsafe.Add(ref source, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination, nint offset) => Unsafe.Add(ref destination, offset) = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float left, float right, float addend) => (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Max(float left, float right) => MathF.Max(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    // One lane: the "concatenation" is just (left, right).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Evens(float left, float right) => left;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Odds(float left, float right) => right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Equal(float left, float right) => left == right ? AllBits : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GreaterThan(float left, float right) => left > right ? AllBits : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float And(float left, float right) =>
        BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(left) & BitConverter.SingleToInt32Bits(right));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AndNot(float left, float right) =>
        BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(left) & ~BitConverter.SingleToInt32Bits(right));

    /// <summary>A mask lane with every bit set (a NaN as a float: only ever combined bitwise).</summary>
    private static float AllBits => BitConverter.Int32BitsToSingle(-1);
}
