namespace LeNet.Kernels.Tiles;

/// <summary>
/// A feature map of one tile in the batch-inner layout [C, H + 2·Pad, W + 2·Pad, <see cref="Lanes"/>]:
/// the image index is innermost, so every layer vectorizes across images with broadcast weights,
/// whatever its channel count or kernel. The Pad border is zero (a following convolution's padding).
/// A flat map of F features is [F, 1, 1] without padding, the same memory as [C, H, W] flattened.
/// </summary>
internal readonly record struct TileMap(int Channels, int Height, int Width, int Pad)
{
    /// <summary>Images per tile: a multiple of every vector width (16 floats = one Vector512, two Vector256, …).</summary>
    public const int Lanes = 16;

    public int PaddedHeight => Height + (2 * Pad);

    public int PaddedWidth => Width + (2 * Pad);

    /// <summary>Floats in the tile map.</summary>
    public int Length => Channels * PaddedHeight * PaddedWidth * Lanes;

    /// <summary>Values per image (without padding): C·H·W.</summary>
    public int Features => Channels * Height * Width;

    /// <summary>Tiles a batch of <paramref name="images"/> images is cut into (the last may be partial).</summary>
    public static int TileCount(int images) => (images + Lanes - 1) / Lanes;

    /// <summary>The images of tile <paramref name="tile"/> in a batch of <paramref name="images"/>: [first, first + count).</summary>
    public static (int First, int Count) TileImages(int tile, int images)
    {
        int first = tile * Lanes;
        return (first, Math.Min(Lanes, images - first));
    }

    /// <summary>Offset of lane 0 of element (c, y, x), coordinates of the unpadded map.</summary>
    public int Offset(int c, int y, int x) => ((((c * PaddedHeight) + y + Pad) * PaddedWidth) + x + Pad) * Lanes;
}
