namespace LeNet.Training;

/// <summary>The mean squared error between an input and a target of the same shape, like <c>torch.nn.MSELoss(reduction="mean")</c>.</summary>
/// <remarks>
/// loss = Σ (x − y)², divided by the number of elements for "mean"; the gradient is 2(x − y), divided likewise.
/// </remarks>
public sealed class MSELoss
{
    private readonly bool _sum;

    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">"mean" (PyTorch's default: the mean over all elements) or "sum".</param>
    /// <exception cref="ArgumentException"><paramref name="reduction"/> is neither "mean" nor "sum".</exception>
    public MSELoss(string reduction = "mean")
    {
        _sum = LossReduction.IsSum(reduction, nameof(MSELoss));
        Reduction = reduction;
    }

    /// <summary>"mean" or "sum".</summary>
    public string Reduction { get; }

    /// <summary>Computes the loss and its gradient.</summary>
    /// <param name="input">The prediction, any non-empty shape.</param>
    /// <param name="target">The target, the input's shape.</param>
    /// <returns>The loss, ∂loss/∂input (the input's shape, a new tensor); <see cref="LossResult.Correct"/> is 0 (there are no classes).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The input is empty or the shapes differ.</exception>
    public LossResult Compute(Tensor input, Tensor target)
    {
        LossReduction.SameShape(input, target, nameof(MSELoss));
        var gradient = new Tensor(input.Shape.ToArray());
        ReadOnlySpan<float> x = input.AsSpan(), y = target.AsSpan();
        Span<float> dx = gradient.AsSpan();
        int n = x.Length;
        float scale = _sum ? 2f : 2f / n;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double difference = (double)x[i] - y[i];
            total += difference * difference;
            dx[i] = scale * (x[i] - y[i]);
        }

        return new LossResult((float)(_sum ? total : total / n), gradient, 0);
    }
}
