namespace LeNet.Training;

/// <summary>Thrown when a training loss becomes NaN or infinite; the model's weights are those before that batch's update.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for a loss at an epoch and batch.</summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="batch">The batch within the epoch, from 1.</param>
    /// <param name="loss">The loss seen.</param>
    public TrainingDivergedException(int epoch, int batch, float loss)
        : base($"Training diverged: the loss is {loss} at epoch {epoch}, batch {batch}. Try a lower learning rate.")
    {
        (Epoch, Batch, Loss) = (epoch, batch, loss);
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>Creates the exception with a message of your own.</summary>
    /// <param name="message">The message.</param>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The batch within the epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The non-finite loss.</summary>
    public float Loss { get; }
}
