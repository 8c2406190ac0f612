using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>
/// Depthwise convolution of one tile in the batch-inner layout (<see cref="TileMap"/>), vectorized across images:
/// each tap is one broadcast weight times one vector of images, so any kernel, stride and dilation vectorizes fully.
/// </summary>
/// <remarks>
/// input [C, Hp, Wp, 16] whose zero border is the convolution's padding; weight [O, k, k] (BatchNorm folded in),
/// bias [O]; output [O, H', W', 16] in its map's interior. Output channel o reads input channel o / multiplier.
/// Each output accumulates bias, then the taps in (row, column) order: the order of
/// <see cref="DepthwiseConv2dKernel.Image{TOps, TVec, TAct}"/>.
/// </remarks>
internal static class DepthwiseConvTileKernel
{
    /// <summary>The <c>TOps.Count</c> images from <paramref name="lane"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TOps, TVec, TAct>(
        float[] input, TileMap inMap, float[] weight, float[] bias, float[] output, TileMap outMap, int multiplier, int k, int stride, int dilation, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        Debug.Assert(outMap.Channels == inMap.Channels * multiplier && weight.Length >= outMap.Channels * k * k);
        const int L = TileMap.Lanes;
        ref float src = ref MemoryMarshal.GetArrayDataReference(input);
        ref float dst = ref MemoryMarshal.GetArrayDataReference(output);
        ref float w = ref MemoryMarshal.GetArrayDataReference(weight);
        int rowStep = inMap.PaddedWidth * L;
        for (int o = 0; o < outMap.Channels; o++)
        {
            TVec b = TOps.Create(bias[o]);
            ref float filter = ref Unsafe.Add(ref w, o * k * k);
            for (int y = 0; y < outMap.Height; y++)
            {
                for (int x = 0; x < outMap.Width; x++)
                {
                    // The window's top-left tap in padded coordinates: the map's border supplies the padding.
                    ref float corner = ref Unsafe.Add(ref src, inMap.Offset(o / multiplier, (y * stride) - inMap.Pad, (x * stride) - inMap.Pad) + lane);
                    TVec acc = b;
                    for (int i = 0; i < k; i++)
                    {
                        ref float row = ref Unsafe.Add(ref corner, (nint)i * dilation * rowStep);
                        for (int j = 0; j < k; j++)
                        {
                            acc = TOps.MultiplyAdd(TOps.Load(ref row, j * dilation * L), TOps.Create(Unsafe.Add(ref filter, (i * k) + j)), acc);
                        }
                    }

                    TOps.Store(TAct.Apply<TOps, TVec>(acc), ref dst, outMap.Offset(o, y, x) + lane);
                }
            }
        }
    }
}
