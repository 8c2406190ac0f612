namespace LeNet.Training;

/// <summary>
/// Cosine annealing from the initial learning rate down to <see cref="MinLearningRate"/> over
/// <see cref="MaxEpochs"/> epochs, like <c>torch.optim.lr_scheduler.CosineAnnealingLR</c> (closed form):
/// lr = min + (base − min) · (1 + cos(π · epoch / T_max)) / 2.
/// </summary>
public sealed class CosineAnnealingLR : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is set.</param>
    /// <param name="maxEpochs">T_max: the epochs of one half cosine (≥ 1).</param>
    /// <param name="minLearningRate">The lowest learning rate (≥ 0; the optimizer needs it positive to apply it).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public CosineAnnealingLR(Optimizer optimizer, int maxEpochs, float minLearningRate = 0f)
        : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minLearningRate);
        (MaxEpochs, MinLearningRate) = (maxEpochs, minLearningRate);
    }

    /// <summary>T_max: the epochs of one half cosine.</summary>
    public int MaxEpochs { get; }

    /// <summary>The lowest learning rate.</summary>
    public float MinLearningRate { get; }

    /// <inheritdoc/>
    /// <remarks>At the very end (epoch = T_max with a minimum of 0) the rate would be 0, which an optimizer refuses; it is kept at a tiny positive value instead.</remarks>
    public override float LearningRateAt(int epoch)
    {
        double cosine = (1 + Math.Cos(Math.PI * Math.Min(epoch, MaxEpochs) / MaxEpochs)) / 2;
        return (float)Math.Max(MinLearningRate + ((Optimizer.InitialLearningRate - MinLearningRate) * cosine), Optimizer.InitialLearningRate * 1e-6);
    }
}
