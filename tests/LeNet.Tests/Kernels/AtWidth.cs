using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Tests.Kernels;

/// <summary>A kernel call that is generic over the vector width (the kernels' <c>TOps</c>/<c>TVec</c> pair).</summary>
internal interface IWidthCall
{
    void Run<TOps, TVec>(int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}

/// <summary>Runs a <see cref="IWidthCall"/> at the width a test names (one of <see cref="KernelWidths.All"/>).</summary>
internal static class AtWidth
{
    /// <summary>One call at <paramref name="width"/>, with lane 0.</summary>
    public static void Once(int width, IWidthCall call) => Run(width, call, 0);

    /// <summary>One call per group of <paramref name="width"/>·<paramref name="groupVectors"/> lanes of a tile, as the engine covers a tile.</summary>
    public static void EveryLaneGroup(int width, IWidthCall call, int groupVectors = 1)
    {
        for (int lane = 0; lane < TileMap.Lanes; lane += width * groupVectors)
        {
            Run(width, call, lane);
        }
    }

    private static void Run(int width, IWidthCall call, int lane)
    {
        switch ((SimdWidth)width)
        {
            case SimdWidth.Vector512:
                call.Run<Vector512Ops, Vector512<float>>(lane);
                break;
            case SimdWidth.Vector256:
                call.Run<Vector256Ops, Vector256<float>>(lane);
                break;
            case SimdWidth.Vector128:
                call.Run<Vector128Ops, Vector128<float>>(lane);
                break;
            case SimdWidth.Scalar:
                call.Run<ScalarOps, float>(lane);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(width), width, "not a SimdWidth");
        }
    }
}

/// <summary>Test data for the kernels: seeded values and the tile layout written out by hand.</summary>
internal static class KernelData
{
    /// <summary><paramref name="length"/> values from U(−1, 1).</summary>
    public static float[] Uniform(Random random, int length, float scale = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    /// <summary>Image-major [count, C, H, W] → a tile filled with <paramref name="fill"/>, the images' pixels placed at TileMap's documented positions.</summary>
    public static float[] ToTile(float[] images, int count, TileMap map, float fill = 0f)
    {
        float[] tile = [.. Enumerable.Repeat(fill, map.Length)];
        int plane = map.Height * map.Width;
        for (int n = 0; n < count; n++)
        {
            for (int c = 0; c < map.Channels; c++)
            {
                for (int y = 0; y < map.Height; y++)
                {
                    for (int x = 0; x < map.Width; x++)
                    {
                        // [C, H + 2·Pad, W + 2·Pad, Lanes], written out from the layout rather than through map.Offset.
                        int at = (((((c * (map.Height + (2 * map.Pad))) + y + map.Pad) * (map.Width + (2 * map.Pad))) + x + map.Pad) * TileMap.Lanes) + n;
                        tile[at] = images[(n * map.Features) + (c * plane) + (y * map.Width) + x];
                    }
                }
            }
        }

        return tile;
    }

    /// <summary>The interior of the first <paramref name="count"/> lanes of a tile, image-major [count, C, H, W].</summary>
    public static float[] FromTile(float[] tile, int count, TileMap map)
    {
        var images = new float[count * map.Features];
        int plane = map.Height * map.Width;
        for (int n = 0; n < count; n++)
        {
            for (int c = 0; c < map.Channels; c++)
            {
                for (int y = 0; y < map.Height; y++)
                {
                    for (int x = 0; x < map.Width; x++)
                    {
                        int at = (((((c * (map.Height + (2 * map.Pad))) + y + map.Pad) * (map.Width + (2 * map.Pad))) + x + map.Pad) * TileMap.Lanes) + n;
                        images[(n * map.Features) + (c * plane) + (y * map.Width) + x] = tile[at];
                    }
                }
            }
        }

        return images;
    }

    public static float[] ToFloat(double[] values) => [.. values.Select(v => (float)v)];

    public static double[] ToDouble(float[] values) => [.. values.Select(v => (double)v)];
}
