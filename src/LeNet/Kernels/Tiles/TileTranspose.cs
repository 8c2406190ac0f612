using System.Diagnostics;

namespace LeNet.Kernels.Tiles;

/// <summary>Moves images between the caller's layout ([n, C·H·W], image-major) and a tile (<see cref="TileMap"/>, image-innermost).</summary>
internal static class TileTranspose
{
    /// <summary>
    /// Writes <paramref name="count"/> images (each [C, H, W]) into the interior of the tile; lanes past
    /// <paramref name="count"/> get zeros, so a partial tile computes on defined values.
    /// </summary>
    public static void In(ReadOnlySpan<float> images, int count, Span<float> tile, TileMap map)
    {
        const int L = TileMap.Lanes;
        int features = map.Features;
        Debug.Assert(images.Length >= count * features && count <= L && tile.Length >= map.Length);
        int width = map.Width;
        for (int c = 0; c < map.Channels; c++)
        {
            for (int y = 0; y < map.Height; y++)
            {
                Span<float> row = tile.Slice(map.Offset(c, y, 0), width * L);
                int source = ((c * map.Height) + y) * width;
                for (int t = 0; t < count; t++)
                {
                    ReadOnlySpan<float> imageRow = images.Slice((t * features) + source, width);
                    for (int x = 0; x < width; x++)
                    {
                        row[(x * L) + t] = imageRow[x];
                    }
                }

                for (int t = count; t < L; t++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        row[(x * L) + t] = 0f;
                    }
                }
            }
        }
    }

    /// <summary>Reads the first <paramref name="count"/> lanes of an unpadded tile map [F, Lanes] into <paramref name="outputs"/> [count, F].</summary>
    public static void Out(ReadOnlySpan<float> tile, TileMap map, Span<float> outputs, int count)
    {
        const int L = TileMap.Lanes;
        int features = map.Features;
        Debug.Assert(map.Pad == 0 && tile.Length >= map.Length && outputs.Length >= count * features);
        for (int t = 0; t < count; t++)
        {
            Span<float> image = outputs.Slice(t * features, features);
            for (int f = 0; f < features; f++)
            {
                image[f] = tile[(f * L) + t];
            }
        }
    }
}
