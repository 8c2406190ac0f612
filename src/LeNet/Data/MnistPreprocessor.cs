namespace LeNet.Data;

/// <summary>
/// Turns a picture of one handwritten digit into what LeNet was trained on: a 28×28 MNIST-style image,
/// white ink on black, the digit fitted into 20×20 and centred by its centre of mass, values in [0, 1].
/// Works on a grey pixel buffer, so it needs no image decoder (decode PNG/JPEG with the library of your
/// choice, convert to grey, call this).
/// </summary>
/// <remarks>
/// The steps, as LeCun et al. describe MNIST's preparation: (1) invert when the background is light (the
/// border's median is above mid-grey), so the ink is bright; (2) subtract the background level; (3) crop
/// to the bounding box of the ink (pixels above 10 % of the brightest); (4) scale the box, keeping its
/// aspect ratio, so its longer side is 20 pixels, averaging the covered area of each source pixel
/// (anti-aliased like MNIST); (5) place it in a 28×28 field so that its centre of mass falls on the
/// centre; (6) scale to [0, 1] so the brightest ink is 1. An image with no ink gives all zeros.
/// </remarks>
public static class MnistPreprocessor
{
    /// <summary>The side of the output image.</summary>
    public const int Size = 28;

    /// <summary>The side of the box the digit is fitted into.</summary>
    public const int DigitBox = 20;

    /// <summary>Preprocesses a grey image into a new 784-value array (row-major 28×28).</summary>
    /// <param name="grey">The pixels, row-major, 0 = black … 255 = white, <paramref name="width"/>·<paramref name="height"/> of them.</param>
    /// <param name="width">The image width (≥ 1).</param>
    /// <param name="height">The image height (≥ 1).</param>
    /// <returns>784 values in [0, 1]: one MNIST image, ready for a [1, 1, 28, 28] tensor.</returns>
    /// <exception cref="ArgumentException">The buffer length is not width·height, or a size is not positive.</exception>
    public static float[] Preprocess(ReadOnlySpan<byte> grey, int width, int height)
    {
        var result = new float[Size * Size];
        Preprocess(grey, width, height, result);
        return result;
    }

    /// <summary>Preprocesses a grey image into <paramref name="destination"/> (784 values, row-major 28×28).</summary>
    /// <param name="grey">The pixels, row-major, 0 = black … 255 = white.</param>
    /// <param name="width">The image width (≥ 1).</param>
    /// <param name="height">The image height (≥ 1).</param>
    /// <param name="destination">Receives 784 values in [0, 1].</param>
    /// <exception cref="ArgumentException">The buffer length is not width·height, a size is not positive, or the destination is not 784 long.</exception>
    public static void Preprocess(ReadOnlySpan<byte> grey, int width, int height, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if ((long)width * height != grey.Length)
        {
            throw new ArgumentException($"MnistPreprocessor: a {width}×{height} image has {(long)width * height} pixels, got {grey.Length}.", nameof(grey));
        }

        if (destination.Length != Size * Size)
        {
            throw new ArgumentException($"MnistPreprocessor: the destination must hold {Size * Size} values, got {destination.Length}.", nameof(destination));
        }

        destination.Clear();

        // (1)–(2): ink as non-negative values over a zero background.
        bool invert = BorderMedian(grey, width, height) > 127;
        var ink = new float[grey.Length];
        for (int i = 0; i < ink.Length; i++)
        {
            ink[i] = invert ? 255 - grey[i] : grey[i];
        }

        float background = Median(BorderValues(ink, width, height));
        float max = 0;
        for (int i = 0; i < ink.Length; i++)
        {
            ink[i] = Math.Max(0, ink[i] - background);
            max = Math.Max(max, ink[i]);
        }

        if (max <= 0)
        {
            return;
        }

        // (3): the bounding box of pixels above 10 % of the brightest.
        float threshold = 0.1f * max;
        int top = height, bottom = -1, left = width, right = -1;
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (ink[(y * width) + x] > threshold)
                {
                    (top, bottom) = (Math.Min(top, y), Math.Max(bottom, y));
                    (left, right) = (Math.Min(left, x), Math.Max(right, x));
                }
            }
        }

        // (4): area-average resampling of the box into at most 20×20, aspect ratio kept.
        int boxWidth = right - left + 1, boxHeight = bottom - top + 1;
        double scale = (double)DigitBox / Math.Max(boxWidth, boxHeight);
        int fittedWidth = Math.Clamp((int)Math.Round(boxWidth * scale), 1, DigitBox);
        int fittedHeight = Math.Clamp((int)Math.Round(boxHeight * scale), 1, DigitBox);
        double[] fitted = Resample(ink, width, left, top, boxWidth, boxHeight, fittedWidth, fittedHeight);

        // (5): centre of mass of the fitted digit onto the centre of the 28×28 field.
        double mass = 0, cy = 0, cx = 0;
        for (int y = 0; y < fittedHeight; y++)
        {
            for (int x = 0; x < fittedWidth; x++)
            {
                double v = fitted[(y * fittedWidth) + x];
                (mass, cy, cx) = (mass + v, cy + (v * (y + 0.5)), cx + (v * (x + 0.5)));
            }
        }

        int offsetY = Math.Clamp((int)Math.Round((Size / 2.0) - (cy / mass)), 0, Size - fittedHeight);
        int offsetX = Math.Clamp((int)Math.Round((Size / 2.0) - (cx / mass)), 0, Size - fittedWidth);

        // (6): brightest ink → 1.
        double peak = fitted.Max();
        for (int y = 0; y < fittedHeight; y++)
        {
            for (int x = 0; x < fittedWidth; x++)
            {
                destination[((offsetY + y) * Size) + offsetX + x] = (float)Math.Clamp(fitted[(y * fittedWidth) + x] / peak, 0, 1);
            }
        }
    }

    /// <summary>Each target pixel is the mean of the source area it covers (fractional coverage at the edges).</summary>
    private static double[] Resample(float[] source, int stride, int left, int top, int sourceWidth, int sourceHeight, int targetWidth, int targetHeight)
    {
        var target = new double[targetWidth * targetHeight];
        double sy = (double)sourceHeight / targetHeight, sx = (double)sourceWidth / targetWidth;
        for (int ty = 0; ty < targetHeight; ty++)
        {
            double y0 = ty * sy, y1 = (ty + 1) * sy;
            for (int tx = 0; tx < targetWidth; tx++)
            {
                double x0 = tx * sx, x1 = (tx + 1) * sx;
                double sum = 0;
                for (int y = (int)y0; y < Math.Min(sourceHeight, (int)Math.Ceiling(y1)); y++)
                {
                    double wy = Math.Min(y + 1, y1) - Math.Max(y, y0);
                    for (int x = (int)x0; x < Math.Min(sourceWidth, (int)Math.Ceiling(x1)); x++)
                    {
                        double wx = Math.Min(x + 1, x1) - Math.Max(x, x0);
                        sum += wy * wx * source[((top + y) * stride) + left + x];
                    }
                }

                target[(ty * targetWidth) + tx] = sum / (sy * sx);
            }
        }

        return target;
    }

    private static float BorderMedian(ReadOnlySpan<byte> grey, int width, int height)
    {
        var values = new float[grey.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = grey[i];
        }

        return Median(BorderValues(values, width, height));
    }

    private static List<float> BorderValues(float[] image, int width, int height)
    {
        var border = new List<float>((2 * width) + (2 * height));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (y == 0 || y == height - 1 || x == 0 || x == width - 1)
                {
                    border.Add(image[(y * width) + x]);
                }
            }
        }

        return border;
    }

    private static float Median(List<float> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
