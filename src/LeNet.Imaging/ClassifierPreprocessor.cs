using System.Globalization;

namespace LeNet.Imaging;

/// <summary>
/// torchvision's preprocessing for image classifiers, the <c>transforms.Compose</c> its ImageNet weights document:
/// <c>Resize(256)</c> (the shorter side to 256, bilinear with antialiasing, as Pillow resizes a PIL image),
/// <c>CenterCrop(224)</c>, <c>ToTensor()</c> (bytes / 255 as float32, channels first) and
/// <c>Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])</c>.
/// </summary>
/// <remarks>
/// The resize reproduces Pillow's fixed-point bilinear filter (libImaging/Resample.c) operation for operation, the
/// crop torchvision's rounding and zero padding, and the normalization PyTorch's float32 arithmetic, so a decoded
/// picture gives the tensor torchvision gives for the same pixels. What can differ is the decoding: StbImageSharp's
/// JPEG decoder is not libjpeg's, so a JPEG's pixels (and so the tensor) may differ from PIL's by a few levels.
/// </remarks>
public sealed class ClassifierPreprocessor
{
    /// <summary>ImageNet's per-channel mean (RGB), as torchvision's weights use it.</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet's per-channel standard deviation (RGB).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = [0.229f, 0.224f, 0.225f];

    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates the preprocessing; the defaults are torchvision's for ImageNet classifiers.</summary>
    /// <param name="resizeSize">The shorter side after resizing (<c>Resize(resizeSize)</c>); 0 to keep the picture's size.</param>
    /// <param name="cropSize">The side of the centred square crop (<c>CenterCrop(cropSize)</c>); 0 for no crop.</param>
    /// <param name="mean">The per-channel mean subtracted (RGB); ImageNet's when null.</param>
    /// <param name="std">The per-channel standard deviation divided by (RGB); ImageNet's when null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException">The mean or standard deviation does not have 3 values, or a deviation is not positive and finite.</exception>
    public ClassifierPreprocessor(int resizeSize = 256, int cropSize = 224, IReadOnlyList<float>? mean = null, IReadOnlyList<float>? std = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(resizeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(cropSize);
        _mean = [.. mean ?? ImageNetMean];
        _std = [.. std ?? ImageNetStd];
        if (_mean.Length != 3 || _std.Length != 3)
        {
            throw new ArgumentException($"ClassifierPreprocessor: the mean and standard deviation need one value per channel (R, G, B), got {_mean.Length} and {_std.Length}.", mean is null || _mean.Length == 3 ? nameof(std) : nameof(mean));
        }

        if (_std.Any(s => !(s > 0 && float.IsFinite(s))) || _mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException($"ClassifierPreprocessor: the standard deviations must be positive and the means finite, got mean [{Join(_mean)}], std [{Join(_std)}].", nameof(std));
        }

        (ResizeSize, CropSize) = (resizeSize, cropSize);
    }

    /// <summary>The shorter side after resizing; 0 when the picture keeps its size.</summary>
    public int ResizeSize { get; }

    /// <summary>The side of the centred square crop; 0 for no crop.</summary>
    public int CropSize { get; }

    /// <summary>The per-channel mean subtracted (R, G, B).</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The per-channel standard deviation divided by (R, G, B).</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Resizes, crops and normalizes one picture for a classifier.</summary>
    /// <param name="image">The decoded picture.</param>
    /// <returns>[1, 3, H, W]: CropSize × CropSize, or the resized picture's size without a crop.</returns>
    public Tensor Preprocess(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (ResizeSize > 0)
        {
            image = ResizeShorterSide(image, ResizeSize);
        }

        if (CropSize > 0)
        {
            image = CenterCrop(image, CropSize, CropSize);
        }

        return Tensor.FromArray(ToNormalizedChw(image, _mean, _std), 1, 3, image.Height, image.Width);
    }

    /// <summary>
    /// torchvision's <c>Resize(size)</c> with an int: the shorter side becomes <paramref name="size"/>, the longer
    /// <c>int(size · long / short)</c> (truncated, as torchvision computes it); a picture already of that size is returned as it is.
    /// </summary>
    /// <param name="image">The picture.</param>
    /// <param name="size">The shorter side's new length (≥ 1).</param>
    /// <returns>The resized picture.</returns>
    public static RgbImage ResizeShorterSide(RgbImage image, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        bool portrait = image.Width <= image.Height;
        (int shortSide, int longSide) = portrait ? (image.Width, image.Height) : (image.Height, image.Width);
        int newLong = (int)((double)size * longSide / shortSide);
        (int width, int height) = portrait ? (size, newLong) : (newLong, size);
        return width == image.Width && height == image.Height ? image : Resize(image, width, height);
    }

    /// <summary>
    /// Pillow's <c>image.resize((width, height), Image.BILINEAR)</c>: a triangle filter widened by the downscaling
    /// factor (antialiased), exactly as Pillow computes it (see the class remarks).
    /// </summary>
    /// <param name="image">The picture.</param>
    /// <param name="width">The new width (≥ 1).</param>
    /// <param name="height">The new height (≥ 1).</param>
    /// <returns>The resized picture.</returns>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        return new RgbImage(width, height, PillowBilinear.Resize(image.Pixels, image.Width, image.Height, 3, width, height));
    }

    /// <summary>
    /// torchvision's <c>CenterCrop((height, width))</c>: the window's top-left corner at
    /// <c>round((H − height) / 2)</c>, <c>round((W − width) / 2)</c> (Python's round: halves to even); a picture
    /// smaller than the window is first padded with black, the odd pixel of padding on the bottom or right.
    /// </summary>
    /// <param name="image">The picture.</param>
    /// <param name="height">The window's height (≥ 1).</param>
    /// <param name="width">The window's width (≥ 1).</param>
    /// <returns>The cropped picture.</returns>
    public static RgbImage CenterCrop(RgbImage image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        // Padding (left, top) first when the window is larger; then the window's corner in the padded picture.
        int padLeft = width > image.Width ? (width - image.Width) / 2 : 0;
        int padTop = height > image.Height ? (height - image.Height) / 2 : 0;
        int paddedWidth = Math.Max(width, image.Width), paddedHeight = Math.Max(height, image.Height);
        int top = (int)Math.Round((paddedHeight - height) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((paddedWidth - width) / 2.0, MidpointRounding.ToEven);
        var pixels = new byte[3L * width * height];
        for (int y = 0; y < height; y++)
        {
            int sourceY = top + y - padTop;
            if (sourceY < 0 || sourceY >= image.Height)
            {
                continue;
            }

            for (int x = 0; x < width; x++)
            {
                int sourceX = left + x - padLeft;
                if (sourceX >= 0 && sourceX < image.Width)
                {
                    Array.Copy(image.Pixels, 3 * ((sourceY * image.Width) + sourceX), pixels, 3 * ((y * width) + x), 3);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// torchvision's <c>ToTensor()</c> then <c>Normalize(mean, std)</c>: each byte / 255 in float32, minus the
    /// channel's mean, divided by its standard deviation, channels first.
    /// </summary>
    /// <param name="image">The picture.</param>
    /// <param name="mean">3 means (R, G, B).</param>
    /// <param name="std">3 standard deviations.</param>
    /// <returns>3·H·W values: the red plane, the green plane, the blue plane.</returns>
    public static float[] ToNormalizedChw(RgbImage image, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        int plane = image.Width * image.Height;
        var values = new float[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            float m = mean[c], s = std[c];
            for (int i = 0; i < plane; i++)
            {
                values[(c * plane) + i] = ((image.Pixels[(3 * i) + c] / 255f) - m) / s;
            }
        }

        return values;
    }

    private static string Join(float[] values) => string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
