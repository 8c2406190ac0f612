using System.Numerics;

namespace LeNet.Training;

/// <summary>The update Adam and AdamW share, in <c>torch.optim.Adam</c>'s order of float operations.</summary>
internal static class AdamUpdate
{
    /// <summary>
    /// m ← m + (1 − β1)(g − m); v ← β2·v + (1 − β2)·g²; p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε).
    /// With <paramref name="l2"/> ≠ 0 the gradient first gains l2·p (Adam's coupled weight decay).
    /// </summary>
    public static void Apply(Span<float> p, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, int step, float lr, float beta1, float beta2, float eps, float l2)
    {
        float biasCorrection1 = 1f - MathF.Pow(beta1, step);
        float biasCorrection2Sqrt = MathF.Sqrt(1f - MathF.Pow(beta2, step));
        float stepSize = lr / biasCorrection1;

        // Vectors of the same operations in the same order (no fused multiply-adds, IEEE square root and
        // division), so every element gets exactly the scalar loop's result; the loop finishes the tail.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var oneMinusBeta1 = new Vector<float>(1f - beta1);
            var vBeta2 = new Vector<float>(beta2);
            var oneMinusBeta2 = new Vector<float>(1f - beta2);
            var vL2 = new Vector<float>(l2);
            var vBias2 = new Vector<float>(biasCorrection2Sqrt);
            var vEps = new Vector<float>(eps);
            var vStep = new Vector<float>(stepSize);
            for (; i + Vector<float>.Count <= p.Length; i += Vector<float>.Count)
            {
                var pi = new Vector<float>(p[i..]);
                var g = new Vector<float>(grad[i..]);
                if (l2 != 0f)
                {
                    g += vL2 * pi;
                }

                var mi = new Vector<float>(m[i..]);
                mi += oneMinusBeta1 * (g - mi);
                var vi = (vBeta2 * new Vector<float>(v[i..])) + (oneMinusBeta2 * g * g);
                Vector<float> denominator = (Vector.SquareRoot(vi) / vBias2) + vEps;
                (pi - (vStep * (mi / denominator))).CopyTo(p[i..]);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
            }
        }

        for (; i < p.Length; i++)
        {
            float g = l2 != 0f ? grad[i] + (l2 * p[i]) : grad[i];
            m[i] += (1f - beta1) * (g - m[i]);
            v[i] = (beta2 * v[i]) + ((1f - beta2) * g * g);
            float denominator = (MathF.Sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            p[i] -= stepSize * (m[i] / denominator);
        }
    }
}
