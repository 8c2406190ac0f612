namespace LeNet.Training;

/// <summary>An <see cref="IBatchSource"/> over arrays held in memory.</summary>
public sealed class InMemoryBatchSource : IBatchSource
{
    private readonly float[] _samples;
    private readonly int[] _labels;
    private readonly int[] _sampleShape;
    private readonly int _sampleLength;

    /// <summary>Wraps the arrays (no copy).</summary>
    /// <param name="samples">All samples, row-major: labels.Length × product(sampleShape) values.</param>
    /// <param name="labels">One class label per sample (≥ 0).</param>
    /// <param name="sampleShape">The shape of one sample, e.g. [1, 28, 28].</param>
    /// <exception cref="ArgumentException">The lengths do not agree, the shape has a non-positive dimension, or a label is negative.</exception>
    public InMemoryBatchSource(float[] samples, int[] labels, params int[] sampleShape)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length == 0 || sampleShape.Any(d => d <= 0))
        {
            throw new ArgumentException($"InMemoryBatchSource: every dimension of the sample shape must be positive, got {Tensor.FormatShape(sampleShape)}.", nameof(sampleShape));
        }

        _sampleLength = sampleShape.Aggregate(1, (a, b) => a * b);
        if ((long)labels.Length * _sampleLength != samples.Length)
        {
            throw new ArgumentException($"InMemoryBatchSource: {labels.Length} labels of samples {Tensor.FormatShape(sampleShape)} need {(long)labels.Length * _sampleLength} values, got {samples.Length}.", nameof(samples));
        }

        int negative = Array.FindIndex(labels, l => l < 0);
        if (negative >= 0)
        {
            throw new ArgumentException($"InMemoryBatchSource: label {negative} is negative ({labels[negative]}).", nameof(labels));
        }

        (_samples, _labels, _sampleShape) = (samples, labels, (int[])sampleShape.Clone());
    }

    /// <inheritdoc/>
    public int Count => _labels.Length;

    /// <inheritdoc/>
    public ReadOnlySpan<int> SampleShape => _sampleShape;

    /// <inheritdoc/>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> samples, Span<int> labels)
    {
        if (samples.Length < indices.Length * _sampleLength || labels.Length < indices.Length)
        {
            throw new ArgumentException($"InMemoryBatchSource: buffers too small for {indices.Length} samples.", nameof(samples));
        }

        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            _samples.AsSpan(index * _sampleLength, _sampleLength).CopyTo(samples.Slice(i * _sampleLength, _sampleLength));
            labels[i] = _labels[index];
        }
    }
}
