namespace LeNet.Kernels.Simd;

/// <summary>
/// The operations the kernels need from one vector width, as static members: a kernel is written once
/// as a generic method over <c>TOps</c> and the JIT compiles it into straight-line code for each width
/// (generic methods over structs are specialized, and these one-liners are inlined). Implemented by
/// <see cref="Vector512Ops"/>, <see cref="Vector256Ops"/>, <see cref="Vector128Ops"/> and <see cref="ScalarOps"/>.
/// </summary>
/// <remarks>
/// The kernels' loops are marked <see cref="System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization"/>:
/// compiled fully optimized on their first call, so the first predictions do not run tier-0 code (10×
/// slower) or wait for on-stack replacement; what tiering's profile would add here is nothing.
/// </remarks>
/// <typeparam name="TVec">The register type: <c>Vector512&lt;float&gt;</c> … or <c>float</c> itself.</typeparam>
internal interface ISimdOps<TVec>
    where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    /// <summary>Broadcasts <paramref name="value"/> to every lane.</summary>
    static abstract TVec Create(float value);

    /// <summary>Loads <see cref="Count"/> floats from <c>source + offset</c> (no bounds check: callers assert).</summary>
    static abstract TVec Load(ref float source, nint offset);

    /// <summary>Stores <see cref="Count"/> floats at <c>destination + offset</c> (no bounds check: callers assert).</summary>
    static abstract void Store(TVec value, ref float destination, nint offset);

    static abstract TVec Add(TVec left, TVec right);

    static abstract TVec Multiply(TVec left, TVec right);

    /// <summary><c>left · right + addend</c>, fused where the hardware has FMA.</summary>
    static abstract TVec MultiplyAdd(TVec left, TVec right, TVec addend);

    /// <summary>IEEE maximum per lane: a NaN in either operand gives NaN (as <c>torch.maximum</c>).</summary>
    static abstract TVec Max(TVec left, TVec right);

    /// <summary>σ(x) = 1 / (1 + e^−x) per lane, to a few ulp; NaN stays NaN.</summary>
    static abstract TVec Sigmoid(TVec x);

    /// <summary>The even-indexed lanes of the concatenation [left, right]: (l0, l2, …, r0, r2, …).</summary>
    static abstract TVec Evens(TVec left, TVec right);

    /// <summary>The odd-indexed lanes of the concatenation [left, right]: (l1, l3, …, r1, r3, …).</summary>
    static abstract TVec Odds(TVec left, TVec right);

    /// <summary>The lower half of <paramref name="left"/>'s lanes followed by the lower half of <paramref name="right"/>'s (the scalar: <paramref name="left"/>).</summary>
    static abstract TVec LowerHalves(TVec left, TVec right);

    /// <summary>The sum of the lanes, always in the same order.</summary>
    static abstract float Sum(TVec value);

    static abstract TVec Subtract(TVec left, TVec right);

    /// <summary>Lane-wise IEEE division.</summary>
    static abstract TVec Divide(TVec left, TVec right);

    /// <summary>Lane-wise IEEE square root.</summary>
    static abstract TVec Sqrt(TVec value);

    /// <summary>A mask per lane: all bits set where <paramref name="left"/> == <paramref name="right"/>, else zero.</summary>
    static abstract TVec Equal(TVec left, TVec right);

    /// <summary>A mask per lane: all bits set where <paramref name="left"/> &gt; <paramref name="right"/>, else zero.</summary>
    static abstract TVec GreaterThan(TVec left, TVec right);

    /// <summary>Bitwise <c>left &amp; right</c> (with a mask: the value where the mask is set, else +0).</summary>
    static abstract TVec And(TVec left, TVec right);

    /// <summary>Bitwise <c>left &amp; ~right</c>.</summary>
    static abstract TVec AndNot(TVec left, TVec right);

    /// <summary>Lane-wise minimum.</summary>
    static abstract TVec Min(TVec left, TVec right);

    /// <summary>Per lane, <paramref name="ifTrue"/> where <paramref name="mask"/> is all ones, else <paramref name="ifFalse"/> (masks from <see cref="GreaterThan"/> and <see cref="Equal"/>).</summary>
    static abstract TVec Select(TVec mask, TVec ifTrue, TVec ifFalse);

    /// <summary>
    /// 2ⁿ from t = n + 1.5·2²³ + 127 as a float (the magic-number rounding of <see cref="SimdMath.Exp"/>,
    /// whose low mantissa bits are then n + 127): t's bits shifted left by 23, reinterpreted as a float.
    /// </summary>
    static abstract TVec PowerOfTwo(TVec t);

    /// <summary>
    /// ln x per lane: the runtime's vector algorithm, the same at every width and, through one lane of it,
    /// in <see cref="ScalarOps"/> (so a kernel's scalar tail computes the function of its vector body).
    /// </summary>
    static abstract TVec Log(TVec x);
}
