namespace LeNet.Training;

/// <summary>How <see cref="Trainer.Fit"/> runs: epochs, batch size and the shuffling seed.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training set (≥ 1). Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per mini-batch (≥ 1); the last batch of an epoch may be smaller. Default 256.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Seeds the shuffling: the same seed and data give the same batches. Default 0.</summary>
    public int Seed { get; init; }

    /// <summary>Samples per evaluation batch (no gradients, so larger is fine). Default 1000.</summary>
    public int EvaluationBatchSize { get; init; } = 1000;
}
