namespace LeNet.Training;

/// <summary>
/// A labelled data set the <see cref="Trainer"/> can draw mini-batches from: it copies the samples at
/// given indices into a caller's buffer, so a training loop allocates nothing per batch.
/// </summary>
public interface IBatchSource
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The shape of one sample, e.g. [1, 28, 28]; a batch of N is [N, …that shape].</summary>
    ReadOnlySpan<int> SampleShape { get; }

    /// <summary>Copies the samples and labels at <paramref name="indices"/>, in that order.</summary>
    /// <param name="indices">Sample indices in [0, <see cref="Count"/>).</param>
    /// <param name="samples">Receives indices.Length samples, row-major, each the product of <see cref="SampleShape"/> long.</param>
    /// <param name="labels">Receives indices.Length class labels.</param>
    void CopyBatch(ReadOnlySpan<int> indices, Span<float> samples, Span<int> labels);
}
