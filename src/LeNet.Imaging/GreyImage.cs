namespace LeNet.Imaging;

/// <summary>A decoded picture as 8-bit grey pixels, row-major, 0 = black … 255 = white.</summary>
/// <param name="Width">The width in pixels.</param>
/// <param name="Height">The height in pixels.</param>
/// <param name="Pixels">Width·Height grey values.</param>
public sealed record GreyImage(int Width, int Height, byte[] Pixels);
