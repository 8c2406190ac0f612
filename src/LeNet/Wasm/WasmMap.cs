namespace LeNet.Wasm;

/// <summary>
/// One feature map of a <see cref="WasmNetwork"/> in the arena: [Hp, Wp, C4] floats, channels-last with the channels
/// rounded up to 4 (<see cref="Stride"/>), a border of <see cref="Pad"/> pixels on each side that no stage writes,
/// holding <see cref="Border"/> (0 for a convolution's zero padding, −∞ for a max pool's).
/// </summary>
internal sealed class WasmMap(int channels, int height, int width)
{
    public int Channels { get; } = channels;

    public int Height { get; } = height;

    public int Width { get; } = width;

    /// <summary>The border on each side, the most padding a reader of the map asks for.</summary>
    public int Pad { get; set; }

    /// <summary>What the border holds: 0, or −∞ when the readers are max pools.</summary>
    public float? Border { get; set; }

    /// <summary>The byte offset of the map in the arena (the border's first pixel).</summary>
    public int Offset { get; set; }

    /// <summary>Floats per pixel: the channels rounded up to 4.</summary>
    public int Stride => (Channels + 3) / 4 * 4;

    public int PaddedHeight => Height + (2 * Pad);

    public int PaddedWidth => Width + (2 * Pad);

    /// <summary>Bytes from one row to the next.</summary>
    public int RowBytes => PaddedWidth * Stride * sizeof(float);

    /// <summary>Bytes from one pixel to the next.</summary>
    public int PixelBytes => Stride * sizeof(float);

    /// <summary>The byte offset in the arena of interior pixel (y, x), channel 0 (y, x may be negative, into the border).</summary>
    public int At(int y, int x) => Offset + ((y + Pad) * RowBytes) + ((x + Pad) * PixelBytes);

    /// <summary>The map's floats, the border filled with <see cref="Border"/>.</summary>
    public float[] Contents()
    {
        var contents = new float[PaddedHeight * PaddedWidth * Stride];
        if (Pad > 0 && Border is float border && border != 0f)
        {
            for (int y = 0; y < PaddedHeight; y++)
            {
                for (int x = 0; x < PaddedWidth; x++)
                {
                    if (y < Pad || y >= Pad + Height || x < Pad || x >= Pad + Width)
                    {
                        contents.AsSpan(((y * PaddedWidth) + x) * Stride, Stride).Fill(border);
                    }
                }
            }
        }

        return contents;
    }
}
