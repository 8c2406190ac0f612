namespace LeNet.Imaging;

/// <summary>A decoded picture as 8-bit RGB pixels, row-major and interleaved (R, G, B of pixel 0, then pixel 1, …).</summary>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="Pixels">3·Width·Height values.</param>
public sealed record RgbImage(int Width, int Height, byte[] Pixels);
