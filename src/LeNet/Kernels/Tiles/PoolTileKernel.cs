using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>Pooling of one tile in the batch-inner layout, for pools the convolution could not fuse: any window and stride, vectorized across images.</summary>
internal static class PoolTileKernel
{
    /// <summary>out[c, y, x] = reduce of the K×K window at (y·s, x·s) of in[c], for lanes [lane, lane + Count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TOps, TVec, TPool>(ReadOnlySpan<float> input, TileMap inMap, Span<float> output, TileMap outMap, int k, int stride, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TPool : IPoolReduction
    {
        Debug.Assert(input.Length >= inMap.Length && output.Length >= outMap.Length);
        const int L = TileMap.Lanes;
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(input), lane);
        ref float y = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), lane);
        TVec scale = TOps.Create(1f / (k * k));
        for (int c = 0; c < outMap.Channels; c++)
        {
            for (int oy = 0; oy < outMap.Height; oy++)
            {
                for (int ox = 0; ox < outMap.Width; ox++)
                {
                    ref float corner = ref Unsafe.Add(ref x, inMap.Offset(c, oy * stride, ox * stride));
                    TVec acc = TOps.Load(ref corner, 0);
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = i == 0 ? 1 : 0; j < k; j++)
                        {
                            acc = TPool.Combine<TOps, TVec>(acc, TOps.Load(ref corner, ((i * inMap.PaddedWidth) + j) * L));
                        }
                    }

                    TOps.Store(TPool.Averages ? TOps.Multiply(acc, scale) : acc, ref y, outMap.Offset(c, oy, ox));
                }
            }
        }
    }
}
