namespace LeNet.Training;

/// <summary>
/// Adam, with <c>torch.optim.Adam</c>'s exact update (amsgrad off): bias-corrected first and second
/// moments, and weight decay as an L2 term added to the gradient. <see cref="AdamW"/> derives from it,
/// as in PyTorch.
/// </summary>
public class Adam : Optimizer
{
    private readonly float[][] _m;
    private readonly float[][] _v;
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer with PyTorch's defaults.</summary>
    /// <param name="parameters">The parameters to update, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="eps">Added to the denominator for stability (&gt; 0).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public Adam(IEnumerable<Parameter> parameters, float lr = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : this(parameters, lr, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    /// <summary>The shared constructor; <paramref name="decoupled"/> selects AdamW's weight decay.</summary>
    private protected Adam(IEnumerable<Parameter> parameters, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupled)
        : base(parameters, lr)
    {
        CheckRange(beta1, 0f, 0.9999999f, nameof(beta1));
        CheckRange(beta2, 0f, 0.9999999f, nameof(beta2));
        CheckRange(eps, float.Epsilon, float.MaxValue, nameof(eps));
        CheckRange(weightDecay, 0f, float.MaxValue, nameof(weightDecay));
        (Beta1, Beta2, Eps, WeightDecay, _decoupled) = (beta1, beta2, eps, weightDecay, decoupled);
        _m = StateBuffers();
        _v = StateBuffers();
    }

    /// <summary>Decay of the first moment.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public float Beta2 { get; }

    /// <summary>Added to the denominator for stability.</summary>
    public float Eps { get; }

    /// <summary>The weight decay: an L2 term in the gradient for Adam, decoupled for <see cref="AdamW"/>.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        if (_decoupled)
        {
            // AdamW: p ← p·(1 − lr·wd) before the step, which then has no L2 term.
            float decay = 1f - (LearningRate * WeightDecay);
            for (int i = 0; i < value.Length; i++)
            {
                value[i] *= decay;
            }
        }

        AdamUpdate.Apply(value, gradient, _m[index], _v[index], StepCount, LearningRate, Beta1, Beta2, Eps, _decoupled ? 0f : WeightDecay);
    }
}
