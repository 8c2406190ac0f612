namespace LeNet.Training;

/// <summary>
/// Binary cross-entropy on logits (a sigmoid and BCELoss in one, numerically stable), like
/// <c>torch.nn.BCEWithLogitsLoss(reduction="mean")</c> (no weight, no pos_weight).
/// </summary>
/// <remarks>
/// For a logit x and a target y in [0, 1]: l = max(x, 0) − x·y + log(1 + e^−|x|), which neither overflows nor loses
/// the answer for logits of ±100; loss = Σ l, divided by the number of elements for "mean". The gradient is σ(x) − y,
/// divided likewise.
/// </remarks>
public sealed class BCEWithLogitsLoss
{
    private readonly bool _sum;

    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">"mean" (PyTorch's default: the mean over all elements) or "sum".</param>
    /// <exception cref="ArgumentException"><paramref name="reduction"/> is neither "mean" nor "sum".</exception>
    public BCEWithLogitsLoss(string reduction = "mean")
    {
        _sum = LossReduction.IsSum(reduction, nameof(BCEWithLogitsLoss));
        Reduction = reduction;
    }

    /// <summary>"mean" or "sum".</summary>
    public string Reduction { get; }

    /// <summary>Computes the loss and its gradient.</summary>
    /// <param name="logits">Unnormalised scores, any non-empty shape.</param>
    /// <param name="targets">Target probabilities in [0, 1] (0/1 labels or soft targets), the logits' shape.</param>
    /// <returns>The loss, ∂loss/∂logits (the logits' shape, a new tensor); <see cref="LossResult.Correct"/> is 0 (no argmax over classes).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The logits are empty or the shapes differ.</exception>
    public LossResult Compute(Tensor logits, Tensor targets)
    {
        LossReduction.SameShape(logits, targets, nameof(BCEWithLogitsLoss));
        var gradient = new Tensor(logits.Shape.ToArray());
        ReadOnlySpan<float> x = logits.AsSpan(), y = targets.AsSpan();
        Span<float> dx = gradient.AsSpan();
        int n = x.Length;
        double scale = _sum ? 1.0 : 1.0 / n;
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double z = x[i];
            total += Math.Max(z, 0) - (z * y[i]) + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            dx[i] = (float)(((1 / (1 + Math.Exp(-z))) - y[i]) * scale);
        }

        return new LossResult((float)(total * scale), gradient, 0);
    }
}
