using LeNet.Training;

namespace LeNet.Tests.Training;

public class RandomShiftBatchSourceTests
{
    /// <summary>Two 2×3×4 images with distinct non-zero pixels, labels 7 and 3.</summary>
    private static InMemoryBatchSource Images() =>
        new(Enumerable.Range(1, 48).Select(v => (float)v).ToArray(), [7, 3], 2, 3, 4);

    /// <summary>The image shifted by (dx, dy), written from the definition: out[c, y, x] = in[c, y − dy, x − dx], else 0.</summary>
    private static float[] Shifted(float[] image, int channels, int height, int width, int dx, int dy)
    {
        var result = new float[image.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int sy = y - dy, sx = x - dx;
                    result[(((c * height) + y) * width) + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? image[(((c * height) + sy) * width) + sx] : 0f;
                }
            }
        }

        return result;
    }

    private static (float[] Samples, int[] Labels) Copy(IBatchSource source, params int[] indices)
    {
        int length = source.SampleShape.ToArray().Aggregate(1, (a, b) => a * b);
        var samples = new float[indices.Length * length];
        var labels = new int[indices.Length];
        source.CopyBatch(indices, samples, labels);
        return (samples, labels);
    }

    [Fact]
    public void CopyBatch_ManyDraws_EverySampleIsOneOfTheAllowedShiftsAndAllOccur()
    {
        InMemoryBatchSource images = Images();
        var shifted = new RandomShiftBatchSource(images, maxShift: 1, seed: 5);
        (float[] originals, _) = Copy(images, 0, 1);
        var seen = new HashSet<(int, int)>();

        for (int draw = 0; draw < 200; draw++)
        {
            (float[] samples, int[] labels) = Copy(shifted, 1, 0);

            labels.Should().Equal(3, 7);
            for (int i = 0; i < 2; i++)
            {
                float[] original = originals.AsSpan((1 - i) * 24, 24).ToArray();
                float[] actual = samples.AsSpan(i * 24, 24).ToArray();
                var matches = (from dx in Enumerable.Range(-1, 3)
                               from dy in Enumerable.Range(-1, 3)
                               where Shifted(original, 2, 3, 4, dx, dy).SequenceEqual(actual)
                               select (dx, dy)).ToList();
                matches.Should().ContainSingle("each sample is exactly one shift of its image, the same for both channels");
                seen.Add(matches[0]);
            }
        }

        seen.Should().HaveCount(9, "all nine shifts in [−1, 1]² occur");
    }

    [Fact]
    public void CopyBatch_SameSeed_SameImages_OtherSeed_Others()
    {
        (float[] a, _) = Copy(new RandomShiftBatchSource(Images(), 2, seed: 1), 0, 1, 0, 1);
        (float[] b, _) = Copy(new RandomShiftBatchSource(Images(), 2, seed: 1), 0, 1, 0, 1);
        (float[] c, _) = Copy(new RandomShiftBatchSource(Images(), 2, seed: 2), 0, 1, 0, 1);

        a.Should().Equal(b);
        a.Should().NotEqual(c);
    }

    [Fact]
    public void CopyBatch_MaxShiftZero_CopiesUnchanged()
    {
        (float[] expected, int[] labels) = Copy(Images(), 1, 0);

        (float[] actual, int[] actualLabels) = Copy(new RandomShiftBatchSource(Images(), 0), 1, 0);

        actual.Should().Equal(expected);
        actualLabels.Should().Equal(labels);
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Action flat = () => _ = new RandomShiftBatchSource(new InMemoryBatchSource(new float[8], [0, 1], 4), 1);
        Action tooFar = () => _ = new RandomShiftBatchSource(Images(), 3);
        Action negative = () => _ = new RandomShiftBatchSource(Images(), -1);

        flat.Should().Throw<ArgumentException>().WithMessage("RandomShiftBatchSource: samples must be images [C, H, W], got [4].*");
        tooFar.Should().Throw<ArgumentException>().WithMessage("RandomShiftBatchSource: maxShift must be in [0, 2] for images [2, 3, 4], got 3.*");
        negative.Should().Throw<ArgumentException>();
    }
}
