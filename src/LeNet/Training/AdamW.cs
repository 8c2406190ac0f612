namespace LeNet.Training;

/// <summary>
/// AdamW, with <c>torch.optim.AdamW</c>'s exact update: decoupled weight decay p ← p·(1 − lr·wd)
/// before the Adam step, which itself has no L2 term.
/// </summary>
public sealed class AdamW : Optimizer
{
    private readonly float[][] _m;
    private readonly float[][] _v;

    /// <summary>Creates the optimizer with PyTorch's defaults (weight decay 0.01).</summary>
    /// <param name="parameters">The parameters to update, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="eps">Added to the denominator for stability (&gt; 0).</param>
    /// <param name="weightDecay">Decoupled weight decay (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public AdamW(IEnumerable<Parameter> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 1e-2f)
        : base(parameters, lr)
    {
        CheckRange(beta1, 0f, 0.9999999f, nameof(beta1));
        CheckRange(beta2, 0f, 0.9999999f, nameof(beta2));
        CheckRange(eps, float.Epsilon, float.MaxValue, nameof(eps));
        CheckRange(weightDecay, 0f, float.MaxValue, nameof(weightDecay));
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
        _m = StateBuffers();
        _v = StateBuffers();
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator for stability.</summary>
    public float Eps { get; }

    /// <summary>The decoupled weight decay.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        float decay = 1f - (LearningRate * WeightDecay);
        for (int i = 0; i < value.Length; i++)
        {
            value[i] *= decay;
        }

        AdamUpdate.Apply(value, gradient, _m[index], _v[index], StepCount, LearningRate, Beta1, Beta2, Eps, 0f);
    }
}
