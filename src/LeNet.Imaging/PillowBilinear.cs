using System.Diagnostics;

namespace LeNet.Imaging;

/// <summary>
/// Pillow's <c>Image.resize(size, Image.BILINEAR)</c> for 8-bit images (libImaging/Resample.c), which torchvision's
/// <c>transforms.Resize</c> calls on a PIL image: a separable triangle filter whose support widens with the
/// downscaling factor (so shrinking averages every source pixel: antialiasing), coefficients normalized per output
/// pixel and rounded to 22-bit fixed point, the horizontal pass first into an 8-bit intermediate image, then the
/// vertical pass. Reproduced operation for operation, so the pixels are Pillow's exactly.
/// </summary>
internal static class PillowBilinear
{
    /// <summary>Pillow's <c>PRECISION_BITS</c>: 32 bits less 8 for the pixel and 2 for overflow.</summary>
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Resizes interleaved 8-bit pixels with <paramref name="channels"/> values each.</summary>
    /// <param name="pixels">Width·height·channels values, row-major.</param>
    /// <param name="width">The source width.</param>
    /// <param name="height">The source height.</param>
    /// <param name="channels">Values per pixel.</param>
    /// <param name="newWidth">The output width (≥ 1).</param>
    /// <param name="newHeight">The output height (≥ 1).</param>
    /// <returns>newWidth·newHeight·channels values.</returns>
    public static byte[] Resize(byte[] pixels, int width, int height, int channels, int newWidth, int newHeight)
    {
        Debug.Assert(pixels.Length == (long)width * height * channels);
        byte[] current = pixels;
        int currentWidth = width, shift = 0;
        (int Min, int Count, int[] Weights)[]? vertical = newHeight != height ? Coefficients(height, newHeight) : null;
        if (newWidth != width)
        {
            // Only the source rows the vertical pass reads go through the horizontal pass (Pillow's ybox); the
            // intermediate image starts at the first of them.
            shift = vertical is null ? 0 : vertical[0].Min;
            int rows = vertical is null ? height : vertical[^1].Min + vertical[^1].Count - shift;
            current = Horizontal(current, width, shift, rows, channels, newWidth);
            currentWidth = newWidth;
        }

        if (vertical is not null)
        {
            current = Vertical(current, currentWidth, channels, vertical, shift);
        }

        return ReferenceEquals(current, pixels) ? (byte[])pixels.Clone() : current;
    }

    /// <summary>
    /// Pillow's <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c>: for each output index, the first source
    /// index, how many follow, and their weights in fixed point.
    /// </summary>
    internal static (int Min, int Count, int[] Weights)[] Coefficients(int inSize, int outSize)
    {
        const double Support = 1.0; // the triangle filter's
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = Support * filterScale;
        var result = new (int, int, int[])[outSize];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int min = Math.Max((int)(center - support + 0.5), 0);
            int count = Math.Min((int)(center + support + 0.5), inSize) - min;
            var weights = new double[count];
            double sum = 0.0;
            for (int i = 0; i < count; i++)
            {
                double w = Triangle((i + min - center + 0.5) * ss);
                weights[i] = w;
                sum += w;
            }

            var fixedPoint = new int[count];
            for (int i = 0; i < count; i++)
            {
                double k = sum != 0.0 ? weights[i] / sum : weights[i];
                fixedPoint[i] = k < 0 ? (int)(-0.5 + (k * (1 << PrecisionBits))) : (int)(0.5 + (k * (1 << PrecisionBits)));
            }

            result[o] = (min, count, fixedPoint);
        }

        return result;
    }

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>Pillow's <c>clip8</c>: the fixed-point sum back to a byte, clamped.</summary>
    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>Rows <paramref name="firstRow"/> … + <paramref name="rows"/> of the source, each resampled to <paramref name="newWidth"/>.</summary>
    private static byte[] Horizontal(byte[] source, int width, int firstRow, int rows, int channels, int newWidth)
    {
        (int Min, int Count, int[] Weights)[] coefficients = Coefficients(width, newWidth);
        var output = new byte[(long)rows * newWidth * channels];
        for (int y = 0; y < rows; y++)
        {
            int sourceRow = (firstRow + y) * width * channels, outputRow = y * newWidth * channels;
            for (int x = 0; x < newWidth; x++)
            {
                (int min, int count, int[] weights) = coefficients[x];
                for (int c = 0; c < channels; c++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    for (int i = 0; i < count; i++)
                    {
                        sum += source[sourceRow + ((min + i) * channels) + c] * weights[i];
                    }

                    output[outputRow + (x * channels) + c] = Clip8(sum);
                }
            }
        }

        return output;
    }

    /// <summary>Each output row from the source rows its coefficients name, less <paramref name="shift"/> (the intermediate image's first row).</summary>
    private static byte[] Vertical(byte[] source, int width, int channels, (int Min, int Count, int[] Weights)[] coefficients, int shift)
    {
        int stride = width * channels;
        var output = new byte[(long)coefficients.Length * stride];
        for (int y = 0; y < coefficients.Length; y++)
        {
            (int min, int count, int[] weights) = coefficients[y];
            for (int x = 0; x < stride; x++)
            {
                int sum = 1 << (PrecisionBits - 1);
                for (int i = 0; i < count; i++)
                {
                    sum += source[((min - shift + i) * stride) + x] * weights[i];
                }

                output[(y * stride) + x] = Clip8(sum);
            }
        }

        return output;
    }
}
