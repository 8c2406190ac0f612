namespace LeNet.Training;

/// <summary>What <see cref="Trainer.Fit"/> reports after each batch and after each epoch.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch within the epoch, from 1 (equal to <paramref name="BatchesPerEpoch"/> at the end of an epoch).</param>
/// <param name="BatchesPerEpoch">Batches in one epoch.</param>
/// <param name="Loss">The mean training loss so far in this epoch.</param>
/// <param name="Accuracy">The training accuracy so far in this epoch.</param>
/// <param name="ImagesPerSecond">Training throughput so far in this epoch.</param>
/// <param name="Elapsed">Time since the epoch began.</param>
/// <param name="EpochCompleted">The epoch's summary, when this report ends an epoch; otherwise null.</param>
public sealed record TrainingProgress(
    int Epoch, int Batch, int BatchesPerEpoch, double Loss, double Accuracy, double ImagesPerSecond, TimeSpan Elapsed, EpochMetrics? EpochCompleted);
