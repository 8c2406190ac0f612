using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// The element-wise activations with parameters (LeakyReLU and PReLU, ELU and SELU, Softplus), forward and
/// backward from the input x, over spans, on the width ladder: whole vectors of <c>TOps</c>, then the
/// scalar tail with the same function one lane wide (<see cref="SimdMath.Exp"/> is written once for all
/// widths; <see cref="ScalarOps.Log"/> is one lane of the vector algorithm).
/// </summary>
internal static partial class ActivationFunctions
{
    /// <summary>y = x if x &gt; 0 else slope·x (LeakyReLU, and PReLU with one channel's slope).</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> y, SimdWidth width) => Forward(new LeakyReluFunction(slope), x, y, width);

    /// <summary>dx = dy if x &gt; 0 else slope·dy (PyTorch's convention at x = 0: the slope side).</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, float slope, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(new LeakyReluFunction(slope), x, dy, dx, width);

    /// <summary>y = scale·(x if x &gt; 0 else alpha·(eˣ − 1)): ELU with scale 1, SELU with its constants.</summary>
    public static void Elu(ReadOnlySpan<float> x, float alpha, float scale, Span<float> y, SimdWidth width) => Forward(new EluFunction(alpha, scale), x, y, width);

    /// <summary>dx = scale·dy·(1 if x &gt; 0 else alpha·eˣ).</summary>
    public static void EluBackward(ReadOnlySpan<float> x, float alpha, float scale, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(new EluFunction(alpha, scale), x, dy, dx, width);

    /// <summary>
    /// y = x where β·x &gt; threshold (PyTorch's linear regime), else log(1 + e^(β·x)) / β, computed as
    /// (max(z, 0) + log(1 + e^(−|z|))) / β with z = β·x so that neither side overflows.
    /// </summary>
    public static void Softplus(ReadOnlySpan<float> x, float beta, float threshold, Span<float> y, SimdWidth width) =>
        Forward(new SoftplusFunction(beta, threshold), x, y, width);

    /// <summary>dx = dy where β·x &gt; threshold, else dy·σ(β·x) (the library's one sigmoid).</summary>
    public static void SoftplusBackward(ReadOnlySpan<float> x, float beta, float threshold, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width) =>
        Backward(new SoftplusFunction(beta, threshold), x, dy, dx, width);

    /// <summary>Σ dy·x over the elements with x ≤ 0: PReLU's slope gradient for one channel's run.</summary>
    public static float NegativePartDot(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, SimdWidth width) => width switch
    {
        SimdWidth.Vector512 => NegativePartDot<Vector512Ops, Vector512<float>>(x, dy),
        SimdWidth.Vector256 => NegativePartDot<Vector256Ops, Vector256<float>>(x, dy),
        SimdWidth.Vector128 => NegativePartDot<Vector128Ops, Vector128<float>>(x, dy),
        _ => NegativePartDot<ScalarOps, float>(x, dy),
    };

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float NegativePartDot<TOps, TVec>(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        Debug.Assert(dy.Length == x.Length);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        TVec sum = TOps.Zero;
        int i = 0;
        for (; i + TOps.Count <= x.Length; i += TOps.Count)
        {
            TVec v = TOps.Load(ref xRef, i);
            sum = TOps.Add(sum, TOps.Select(TOps.GreaterThan(v, TOps.Zero), TOps.Zero, TOps.Multiply(v, TOps.Load(ref dyRef, i))));
        }

        float total = TOps.Sum(sum);
        for (; i < x.Length; i++)
        {
            total += x[i] > 0f ? 0f : x[i] * dy[i];
        }

        return total;
    }

    private static void Forward<TFunction>(TFunction function, ReadOnlySpan<float> x, Span<float> y, SimdWidth width)
        where TFunction : struct, IElementFunction
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Forward<Vector512Ops, Vector512<float>, TFunction>(function, x, y);
                break;
            case SimdWidth.Vector256:
                Forward<Vector256Ops, Vector256<float>, TFunction>(function, x, y);
                break;
            case SimdWidth.Vector128:
                Forward<Vector128Ops, Vector128<float>, TFunction>(function, x, y);
                break;
            default:
                Forward<ScalarOps, float, TFunction>(function, x, y);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TOps, TVec, TFunction>(TFunction function, ReadOnlySpan<float> x, Span<float> y)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TFunction : struct, IElementFunction
    {
        Debug.Assert(y.Length == x.Length);
        ref float src = ref MemoryMarshal.GetReference(x);
        ref float dst = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i + TOps.Count <= x.Length; i += TOps.Count)
        {
            TOps.Store(function.Forward<TOps, TVec>(TOps.Load(ref src, i)), ref dst, i);
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref dst, i) = function.Forward<ScalarOps, float>(Unsafe.Add(ref src, i));
        }
    }

    private static void Backward<TFunction>(TFunction function, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, SimdWidth width)
        where TFunction : struct, IElementFunction
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Backward<Vector512Ops, Vector512<float>, TFunction>(function, x, dy, dx);
                break;
            case SimdWidth.Vector256:
                Backward<Vector256Ops, Vector256<float>, TFunction>(function, x, dy, dx);
                break;
            case SimdWidth.Vector128:
                Backward<Vector128Ops, Vector128<float>, TFunction>(function, x, dy, dx);
                break;
            default:
                Backward<ScalarOps, float, TFunction>(function, x, dy, dx);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TOps, TVec, TFunction>(TFunction function, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TFunction : struct, IElementFunction
    {
        Debug.Assert(dy.Length == x.Length && dx.Length == x.Length);
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dyRef = ref MemoryMarshal.GetReference(dy);
        ref float dxRef = ref MemoryMarshal.GetReference(dx);
        int i = 0;
        for (; i + TOps.Count <= x.Length; i += TOps.Count)
        {
            TOps.Store(function.Backward<TOps, TVec>(TOps.Load(ref xRef, i), TOps.Load(ref dyRef, i)), ref dxRef, i);
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref dxRef, i) = function.Backward<ScalarOps, float>(Unsafe.Add(ref xRef, i), Unsafe.Add(ref dyRef, i));
        }
    }

    /// <summary>An element-wise function with its parameters: its value and its backward rule from the input.</summary>
    private interface IElementFunction
    {
        TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct;

        TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct;
    }

    private readonly struct LeakyReluFunction(float slope) : IElementFunction
    {
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Select(TOps.GreaterThan(x, TOps.Zero), x, TOps.Multiply(x, TOps.Create(slope)));

        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct =>
            TOps.Select(TOps.GreaterThan(x, TOps.Zero), dy, TOps.Multiply(dy, TOps.Create(slope)));
    }

    private readonly struct EluFunction(float alpha, float scale) : IElementFunction
    {
        // e^min(x, 0) only: the positive side is not used and must not overflow.
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec negative = TOps.Multiply(TOps.Create(alpha), TOps.Subtract(SimdMath.Exp<TOps, TVec>(TOps.Min(x, TOps.Zero)), TOps.Create(1f)));
            return TOps.Multiply(TOps.Create(scale), TOps.Select(TOps.GreaterThan(x, TOps.Zero), x, negative));
        }

        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec slope = TOps.Select(TOps.GreaterThan(x, TOps.Zero), TOps.Create(1f), TOps.Multiply(TOps.Create(alpha), SimdMath.Exp<TOps, TVec>(TOps.Min(x, TOps.Zero))));
            return TOps.Multiply(TOps.Multiply(TOps.Create(scale), slope), dy);
        }
    }

    private readonly struct SoftplusFunction(float beta, float threshold) : IElementFunction
    {
        public TVec Forward<TOps, TVec>(TVec x)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec z = TOps.Multiply(x, TOps.Create(beta));
            TVec negativeAbs = TOps.Min(z, TOps.Subtract(TOps.Zero, z));
            TVec soft = TOps.Divide(TOps.Add(TOps.Max(z, TOps.Zero), Log1P<TOps, TVec>(SimdMath.Exp<TOps, TVec>(negativeAbs))), TOps.Create(beta));
            return TOps.Select(TOps.GreaterThan(z, TOps.Create(threshold)), x, soft);
        }

        public TVec Backward<TOps, TVec>(TVec x, TVec dy)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec z = TOps.Multiply(x, TOps.Create(beta));
            return TOps.Select(TOps.GreaterThan(z, TOps.Create(threshold)), dy, TOps.Multiply(dy, TOps.Sigmoid(z)));
        }

        /// <summary>
        /// log(1 + u) for u in [0, 1], accurate for tiny u (where 1 + u rounds to 1 and log would give 0): with w = 1 + u
        /// rounded, log(w) · u / (w − 1) cancels the rounding (Goldberg's trick), and w = 1 gives u itself.
        /// </summary>
        private static TVec Log1P<TOps, TVec>(TVec u)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            TVec one = TOps.Create(1f);
            TVec w = TOps.Add(one, u);
            TVec rounded = TOps.Subtract(w, one);
            TVec exact = TOps.Equal(rounded, TOps.Zero);
            return TOps.Select(exact, u, TOps.Divide(TOps.Multiply(TOps.Log(w), u), TOps.Select(exact, one, rounded)));
        }
    }
}
