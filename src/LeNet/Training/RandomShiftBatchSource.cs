namespace LeNet.Training;

/// <summary>
/// Data augmentation by random translation: wraps an <see cref="IBatchSource"/> of images [C, H, W] and
/// shifts every sample it copies by a random whole number of pixels, dx and dy each uniform in
/// [−<see cref="MaxShift"/>, <see cref="MaxShift"/>], filling the uncovered border with zeros (MNIST's
/// background), like torchvision's <c>RandomAffine(0, translate=…)</c> restricted to whole pixels.
/// </summary>
/// <remarks>
/// Wrap only the training set (<c>trainer.Fit(new RandomShiftBatchSource(mnist.Train, 2), mnist.Test)</c>):
/// every epoch then sees each image at a fresh offset. The shifts come from one <see cref="Random"/> seeded
/// by the constructor, drawn in the order samples are copied, so the same seed and the same sequence of
/// <see cref="CopyBatch"/> calls (the <see cref="Trainer"/>'s, for a given seed) give the same images. Not
/// thread-safe: one copy at a time, as the trainer does.
/// </remarks>
public sealed class RandomShiftBatchSource : IBatchSource
{
    private readonly int[] _sampleShape;
    private readonly Random _random;
    private float[] _plane = [];

    /// <summary>Wraps <paramref name="source"/>.</summary>
    /// <param name="source">Images of shape [C, H, W] with their labels.</param>
    /// <param name="maxShift">The largest shift in pixels along each axis (0 copies the images unchanged); less than H and W.</param>
    /// <param name="seed">Seeds the shifts.</param>
    /// <exception cref="ArgumentException">The samples are not [C, H, W], or <paramref name="maxShift"/> is negative or not less than H and W.</exception>
    public RandomShiftBatchSource(IBatchSource source, int maxShift, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.SampleShape.Length != 3)
        {
            throw new ArgumentException($"RandomShiftBatchSource: samples must be images [C, H, W], got {Tensor.FormatShape(source.SampleShape)}.", nameof(source));
        }

        _sampleShape = source.SampleShape.ToArray();
        if (maxShift < 0 || maxShift >= Math.Min(_sampleShape[1], _sampleShape[2]))
        {
            throw new ArgumentException(
                $"RandomShiftBatchSource: maxShift must be in [0, {Math.Min(_sampleShape[1], _sampleShape[2]) - 1}] for images {Tensor.FormatShape(_sampleShape)}, got {maxShift}.", nameof(maxShift));
        }

        (Source, MaxShift, _random) = (source, maxShift, new Random(seed));
    }

    /// <summary>The wrapped data set.</summary>
    public IBatchSource Source { get; }

    /// <summary>The largest shift along each axis, in pixels.</summary>
    public int MaxShift { get; }

    /// <inheritdoc/>
    public int Count => Source.Count;

    /// <inheritdoc/>
    public ReadOnlySpan<int> SampleShape => _sampleShape;

    /// <inheritdoc/>
    /// <remarks>Copies through <see cref="Source"/>, then shifts each sample in place; every channel of a sample gets the same shift.</remarks>
    public void CopyBatch(ReadOnlySpan<int> indices, Span<float> samples, Span<int> labels)
    {
        Source.CopyBatch(indices, samples, labels);
        if (MaxShift == 0)
        {
            return;
        }

        int channels = _sampleShape[0], height = _sampleShape[1], width = _sampleShape[2];
        int plane = height * width;
        if (_plane.Length < plane)
        {
            _plane = new float[plane];
        }

        for (int i = 0; i < indices.Length; i++)
        {
            int dx = _random.Next(-MaxShift, MaxShift + 1);
            int dy = _random.Next(-MaxShift, MaxShift + 1);
            for (int c = 0; c < channels; c++)
            {
                Shift(samples.Slice(((i * channels) + c) * plane, plane), _plane.AsSpan(0, plane), height, width, dx, dy);
            }
        }
    }

    /// <summary>image[y, x] ← original[y − dy, x − dx], zero where that falls outside.</summary>
    private static void Shift(Span<float> image, Span<float> scratch, int height, int width, int dx, int dy)
    {
        image.CopyTo(scratch);
        image.Clear();
        int rowStart = Math.Max(0, dy), rowEnd = Math.Min(height, height + dy);
        int columnStart = Math.Max(0, dx), columnEnd = Math.Min(width, width + dx);
        for (int y = rowStart; y < rowEnd; y++)
        {
            scratch.Slice(((y - dy) * width) + columnStart - dx, columnEnd - columnStart)
                .CopyTo(image.Slice((y * width) + columnStart, columnEnd - columnStart));
        }
    }
}
