namespace LeNet.Training;

/// <summary>One epoch's results.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainLoss">Mean training loss over the epoch's batches (weighted by batch size).</param>
/// <param name="TrainAccuracy">Fraction of training samples classified right during the epoch (as the weights moved).</param>
/// <param name="TestLoss">Mean loss on the test set after the epoch, or null without one.</param>
/// <param name="TestAccuracy">Accuracy on the test set after the epoch, or null without one.</param>
/// <param name="Seconds">Training time of the epoch (evaluation excluded).</param>
/// <param name="ImagesPerSecond">Training throughput of the epoch.</param>
/// <param name="LearningRate">The learning rate used during the epoch.</param>
public sealed record EpochMetrics(
    int Epoch, double TrainLoss, double TrainAccuracy, double? TestLoss, double? TestAccuracy, double Seconds, double ImagesPerSecond, float LearningRate);
