using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Training;

/// <summary>The update Adam and AdamW share, in <c>torch.optim.Adam</c>'s order of float operations.</summary>
internal static class AdamUpdate
{
    /// <summary>
    /// m ← m + (1 − β1)(g − m); v ← β2·v + (1 − β2)·g²; p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε).
    /// With <paramref name="l2"/> ≠ 0 the gradient first gains l2·p (Adam's coupled weight decay).
    /// </summary>
    public static void Apply(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, int step, float lr, float beta1, float beta2, float eps, float l2) =>
        Apply(p, grad, m, v, step, lr, beta1, beta2, eps, l2, SimdSupport.Best);

    /// <summary><see cref="Apply(Span{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, float, float, float, float, float)"/> at a given width.</summary>
    public static void Apply(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, int step, float lr, float beta1, float beta2, float eps, float l2, SimdWidth width)
    {
        var constants = new Constants(lr, beta1, beta2, eps, l2, step);
        switch (width)
        {
            case SimdWidth.Vector512:
                Apply<Vector512Ops, Vector512<float>>(p, grad, m, v, constants);
                break;
            case SimdWidth.Vector256:
                Apply<Vector256Ops, Vector256<float>>(p, grad, m, v, constants);
                break;
            case SimdWidth.Vector128:
                Apply<Vector128Ops, Vector128<float>>(p, grad, m, v, constants);
                break;
            default:
                Apply<ScalarOps, float>(p, grad, m, v, constants);
                break;
        }
    }

    /// <summary>
    /// Whole vectors, then the scalar tail, with the same operations in the same order (no fused
    /// multiply-adds; IEEE square root and division): every element gets exactly the scalar result,
    /// whatever the width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Apply<TOps, TVec>(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, Constants k)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float pRef = ref MemoryMarshal.GetReference(p);
        ref float gRef = ref MemoryMarshal.GetReference(grad);
        ref float mRef = ref MemoryMarshal.GetReference(m);
        ref float vRef = ref MemoryMarshal.GetReference(v);
        int i = 0;
        for (; i + TOps.Count <= p.Length; i += TOps.Count)
        {
            Step<TOps, TVec>(ref pRef, ref gRef, ref mRef, ref vRef, i, k);
        }

        for (; i < p.Length; i++)
        {
            Step<ScalarOps, float>(ref pRef, ref gRef, ref mRef, ref vRef, i, k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<TOps, TVec>(ref float pRef, ref float gRef, ref float mRef, ref float vRef, nint i, Constants k)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec pi = TOps.Load(ref pRef, i);
        TVec g = TOps.Load(ref gRef, i);
        if (k.L2 != 0f)
        {
            g = TOps.Add(g, TOps.Multiply(TOps.Create(k.L2), pi));
        }

        TVec mi = TOps.Load(ref mRef, i);
        mi = TOps.Add(mi, TOps.Multiply(TOps.Create(k.OneMinusBeta1), TOps.Subtract(g, mi)));
        TVec vi = TOps.Add(TOps.Multiply(TOps.Create(k.Beta2), TOps.Load(ref vRef, i)), TOps.Multiply(TOps.Multiply(TOps.Create(k.OneMinusBeta2), g), g));
        TVec denominator = TOps.Add(TOps.Divide(TOps.Sqrt(vi), TOps.Create(k.BiasCorrection2Sqrt)), TOps.Create(k.Eps));
        TOps.Store(TOps.Subtract(pi, TOps.Multiply(TOps.Create(k.StepSize), TOps.Divide(mi, denominator))), ref pRef, i);
        TOps.Store(mi, ref mRef, i);
        TOps.Store(vi, ref vRef, i);
    }

    /// <summary>The step's scalars, computed once per parameter tensor.</summary>
    private readonly record struct Constants(float OneMinusBeta1, float Beta2, float OneMinusBeta2, float Eps, float L2, float BiasCorrection2Sqrt, float StepSize)
    {
        public Constants(float lr, float beta1, float beta2, float eps, float l2, int step)
            : this(1f - beta1, beta2, 1f - beta2, eps, l2, MathF.Sqrt(1f - MathF.Pow(beta2, step)), lr / (1f - MathF.Pow(beta1, step)))
        {
        }
    }
}
