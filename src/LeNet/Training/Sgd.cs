namespace LeNet.Training;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay, with
/// <c>torch.optim.SGD</c>'s exact update (dampening 0):
/// g ← grad + wd·p; b ← g on the first step, else b ← μ·b + g; g ← g + μ·b (Nesterov) or b; p ← p − lr·g.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[][]? _momentumBuffers;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The parameters to update, e.g. <c>model.Parameters()</c>.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="momentum">μ in [0, 1); 0 turns momentum off.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    /// <param name="nesterov">Nesterov momentum (needs momentum &gt; 0, as in PyTorch).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum.</exception>
    public Sgd(IEnumerable<Parameter> parameters, float lr, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameters, lr)
    {
        CheckRange(momentum, 0f, 0.999999f, nameof(momentum));
        CheckRange(weightDecay, 0f, float.MaxValue, nameof(weightDecay));
        if (nesterov && momentum == 0f)
        {
            throw new ArgumentException("Sgd: Nesterov momentum requires a momentum above zero.", nameof(nesterov));
        }

        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _momentumBuffers = momentum != 0f ? StateBuffers() : null;
    }

    /// <summary>μ, the momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>The L2 penalty added to the gradient.</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        float lr = LearningRate, mu = Momentum, wd = WeightDecay;
        Span<float> buffer = _momentumBuffers is null ? default : _momentumBuffers[index];
        bool first = StepCount == 1;
        for (int i = 0; i < value.Length; i++)
        {
            float g = gradient[i];
            if (wd != 0f)
            {
                g += wd * value[i];
            }

            if (mu != 0f)
            {
                buffer[i] = first ? g : (mu * buffer[i]) + g;
                g = Nesterov ? g + (mu * buffer[i]) : buffer[i];
            }

            value[i] -= lr * g;
        }
    }
}
