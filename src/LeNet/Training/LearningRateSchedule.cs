namespace LeNet.Training;

/// <summary>
/// Changes an optimizer's learning rate once per epoch, like <c>torch.optim.lr_scheduler</c>: call
/// <see cref="Step"/> after each epoch (the <see cref="Trainer"/> does).
/// </summary>
public abstract class LearningRateSchedule
{
    /// <summary>Binds the schedule to <paramref name="optimizer"/>; its initial learning rate is the base.</summary>
    /// <param name="optimizer">The optimizer whose learning rate is set.</param>
    protected LearningRateSchedule(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
    }

    /// <summary>The optimizer whose learning rate this schedule sets.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>How many epochs have ended (times <see cref="Step"/> was called).</summary>
    public int Epoch { get; private set; }

    /// <summary>Ends an epoch and sets the learning rate for the next one.</summary>
    public void Step()
    {
        Epoch++;
        Optimizer.LearningRate = LearningRateAt(Epoch);
    }

    /// <summary>The learning rate for epoch <paramref name="epoch"/> (0 is the first), in closed form.</summary>
    /// <param name="epoch">The number of epochs completed.</param>
    /// <returns>The learning rate.</returns>
    public abstract float LearningRateAt(int epoch);
}
