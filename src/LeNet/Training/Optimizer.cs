namespace LeNet.Training;

/// <summary>
/// Updates parameters from their gradients, like <c>torch.optim.Optimizer</c>: call <see cref="Step"/>
/// after <c>model.Backward</c>, and <see cref="ZeroGrad"/> before the next forward.
/// </summary>
public abstract class Optimizer
{
    private float _learningRate;

    /// <summary>Takes the parameters to update and the initial learning rate.</summary>
    /// <param name="parameters">The parameters, e.g. <c>model.Parameters()</c>; each at most once.</param>
    /// <param name="learningRate">The step size; positive and finite.</param>
    /// <exception cref="ArgumentException">No parameters, a null or repeated parameter.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is not positive and finite.</exception>
    protected Optimizer(IEnumerable<Parameter> parameters, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException($"{GetType().Name}: got an empty parameter list.", nameof(parameters));
        }

        if (list.Any(p => p is null) || list.Distinct(ReferenceEqualityComparer.Instance).Count() != list.Count)
        {
            throw new ArgumentException($"{GetType().Name}: the parameter list has a null or repeated parameter.", nameof(parameters));
        }

        Parameters = list;
        LearningRate = learningRate;
        InitialLearningRate = learningRate;
    }

    /// <summary>The parameters this optimizer updates, in the order given.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The current learning rate; schedules change it between epochs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive and finite.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value > 0f && float.IsFinite(value)))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"{GetType().Name}: the learning rate must be positive and finite.");
            }

            _learningRate = value;
        }
    }

    /// <summary>The learning rate the optimizer was created with (the base of a schedule).</summary>
    public float InitialLearningRate { get; }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public int StepCount { get; private set; }

    /// <summary>Applies one update to every parameter from its current gradient.</summary>
    public void Step()
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            Update(i, Parameters[i].Value.AsSpan(), Parameters[i].Gradient.AsSpan());
        }
    }

    /// <summary>Sets every parameter's gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter parameter in Parameters)
        {
            parameter.Gradient.AsSpan().Clear();
        }
    }

    /// <summary>Updates parameter <paramref name="index"/> in place; <see cref="StepCount"/> already counts this step.</summary>
    /// <param name="index">The parameter's position in <see cref="Parameters"/> (to find its state).</param>
    /// <param name="value">The parameter's values, updated in place.</param>
    /// <param name="gradient">The parameter's gradient.</param>
    protected abstract void Update(int index, Span<float> value, ReadOnlySpan<float> gradient);

    /// <summary>One zero-filled state buffer per parameter, shaped like it (momentum, moments).</summary>
    /// <returns>The buffers, in parameter order.</returns>
    private protected float[][] StateBuffers() => Parameters.Select(p => new float[p.Length]).ToArray();

    /// <summary>Throws unless <paramref name="value"/> is finite and in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private protected void CheckRange(float value, float min, float max, string name)
    {
        if (!(value >= min && value <= max))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{GetType().Name}: {name} must be in [{min}, {max}].");
        }
    }
}
