using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>
    /// The vector widths' sigmoid, one lane: the same clamp, magic-number rounding, Cody–Waite reduction and
    /// degree-5 polynomial in the same order, so a kernel's scalar tail computes the function its vector
    /// body does (see <see cref="Vector256Ops.Sigmoid"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x)
    {
        const float Magic = 12583039f; // 1.5·2²³ + 127
        x = Math.Clamp(x, -87f, 87f);
        float t = float.MultiplyAddEstimate(x, -1.44269504f, Magic);
        float n = t - Magic;
        float r = float.MultiplyAddEstimate(n, 0.693359375f, x);
        r = float.MultiplyAddEstimate(n, -2.12194440e-4f, r);
        float p = float.MultiplyAddEstimate(-8.3125010e-3f, r, 4.1890115e-2f);
        p = float.MultiplyAddEstimate(p, r, -0.16667114f);
        p = float.MultiplyAddEstimate(p, r, 0.49999231f);
        p = float.MultiplyAddEstimate(p, r, -1f);
        p = float.MultiplyAddEstimate(p, r, 1f);
        float scale = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(t) << 23);
        return 1f / float.MultiplyAddEstimate(p, scale, 1f);
    }

    // One lane: the "concatenation" is just (left, right).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Evens(float left, float right) => left;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Odds(float left, float right) => right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LowerHalves(float left, float right) => left;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float left, float right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float value) => MathF.Sqrt(value);

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Min(float left, float right) => MathF.Min(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Select(float mask, float ifTrue, float ifFalse) => BitConverter.SingleToInt32Bits(mask) != 0 ? ifTrue : ifFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PowerOfTwo(float t) => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(t) << 23);

    /// <summary>One lane of the vector widths' ln x (not <see cref="MathF.Log(float)"/>, whose last bit may differ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log(float x) => Vector128.Log(Vector128.Create(x)).ToScalar();

    private static float AllBits => BitConverter.Int32BitsToSingle(-1);
}
