using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Kernels;

/// <summary>Global average pooling (<c>adaptive_avg_pool2d(x, 1)</c>): each channel's plane → its mean.</summary>
internal static class GlobalAvgPoolKernel
{
    /// <summary>input planes [C, H, W] (rows <paramref name="inRow"/> apart, planes <paramref name="inPlane"/> apart) → output [C] (<paramref name="outStride"/> apart).</summary>
    public static void Image(ReadOnlySpan<float> input, int inRow, int inPlane, int height, int width, Span<float> output, int outStride, int channels)
    {
        float count = height * width;
        for (int c = 0; c < channels; c++)
        {
            float sum = 0;
            for (int y = 0; y < height; y++)
            {
                sum += TensorPrimitives.Sum(input.Slice((c * inPlane) + (y * inRow), width));
            }

            output[c * outStride] = sum / count;
        }
    }

    /// <summary>The <c>TOps.Count</c> images of a tile from <paramref name="lane"/> on, vectorized across images; output map [C, 1, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TOps, TVec>(float[] input, TileMap inMap, float[] output, TileMap outMap, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float src = ref MemoryMarshal.GetArrayDataReference(input);
        ref float dst = ref MemoryMarshal.GetArrayDataReference(output);
        TVec count = TOps.Create(inMap.Height * inMap.Width);
        for (int c = 0; c < inMap.Channels; c++)
        {
            TVec sum = TOps.Zero;
            for (int y = 0; y < inMap.Height; y++)
            {
                for (int x = 0; x < inMap.Width; x++)
                {
                    sum = TOps.Add(sum, TOps.Load(ref src, inMap.Offset(c, y, x) + lane));
                }
            }

            TOps.Store(TOps.Divide(sum, count), ref dst, outMap.Offset(c, 0, 0) + lane);
        }
    }
}
