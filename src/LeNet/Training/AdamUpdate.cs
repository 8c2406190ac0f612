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
        for (int i = 0; i < p.Length; i++)
        {
            float g = l2 != 0f ? grad[i] + (l2 * p[i]) : grad[i];
            m[i] += (1f - beta1) * (g - m[i]);
            v[i] = (beta2 * v[i]) + ((1f - beta2) * g * g);
            float denominator = (MathF.Sqrt(v[i]) / biasCorrection2Sqrt) + eps;
            p[i] -= stepSize * (m[i] / denominator);
        }
    }
}
