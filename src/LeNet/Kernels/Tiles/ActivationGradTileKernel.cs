using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Tiles;

/// <summary>
/// The backward pass of what follows a convolution or a dense layer in a fused training stage, the
/// 2×2 stride-2 pool and the activation: from the gradient of the stage's output to the gradient of the
/// convolution's (or dense layer's) pre-activation output, for one tile in the batch-inner layout.
/// </summary>
internal static class ActivationGradTileKernel
{
    /// <summary>
    /// dz = act'(a) ⊙ pool'(dOut) over [O, OH, OW] for lanes [lane, lane + Count), and biasGrad[o] += Σ dz[o].
    /// a [O, OH, OW] holds the activations the forward pass kept; pooled (read for the max only) the
    /// pooled output. Averaging spreads dOut / 4 over the window; the max sends dOut to the window's first
    /// maximum in row-major order, as PyTorch does. Rows and columns no window covers (odd OH or OW) get 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pooled<TOps, TVec, TAct, TPool>(
        ReadOnlySpan<float> dOut, TileMap dOutMap, ReadOnlySpan<float> a, TileMap aMap, ReadOnlySpan<float> pooled, TileMap pooledMap,
        Span<float> dz, TileMap dzMap, Span<float> biasGrad, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        const int L = TileMap.Lanes;
        Debug.Assert(dOut.Length >= dOutMap.Length && a.Length >= aMap.Length && dz.Length >= dzMap.Length);
        Debug.Assert(TPool.Averages || pooled.Length >= pooledMap.Length);
        Debug.Assert(dOutMap.Height == aMap.Height / 2 && dOutMap.Width == aMap.Width / 2 && dzMap.Height == aMap.Height && dzMap.Width == aMap.Width);
        ref float g = ref Unsafe.Add(ref MemoryMarshal.GetReference(dOut), lane);
        ref float act = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), lane);
        ref float max = ref Unsafe.Add(ref MemoryMarshal.GetReference(pooled), lane);
        ref float d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dz), lane);
        nint aRow = aMap.PaddedWidth * L, dzRow = dzMap.PaddedWidth * L;
        TVec quarter = TOps.Create(0.25f);
        for (int o = 0; o < dOutMap.Channels; o++)
        {
            TVec sum = TOps.Zero;
            for (int py = 0; py < dOutMap.Height; py++)
            {
                for (int px = 0; px < dOutMap.Width; px++)
                {
                    TVec go = TOps.Load(ref g, dOutMap.Offset(o, py, px));
                    ref float a00 = ref Unsafe.Add(ref act, aMap.Offset(o, 2 * py, 2 * px));
                    ref float d00 = ref Unsafe.Add(ref d, dzMap.Offset(o, 2 * py, 2 * px));
                    TVec v00 = TOps.Load(ref a00, 0), v01 = TOps.Load(ref a00, L), v10 = TOps.Load(ref a00, aRow), v11 = TOps.Load(ref a00, aRow + L);
                    TVec g00, g01, g10, g11;
                    if (TPool.Averages)
                    {
                        // avg_pool2d_backward: dOut / (K·K) to every element of the window.
                        go = TOps.Multiply(go, quarter);
                        (g00, g01, g10, g11) = (go, go, go, go);
                    }
                    else
                    {
                        TVec m = TOps.Load(ref max, pooledMap.Offset(o, py, px));
                        TVec e00 = TOps.Equal(v00, m);
                        TVec e01 = TOps.AndNot(TOps.Equal(v01, m), e00);
                        TVec e10 = TOps.AndNot(TOps.AndNot(TOps.Equal(v10, m), e00), e01);
                        TVec e11 = TOps.AndNot(TOps.AndNot(TOps.AndNot(TOps.Equal(v11, m), e00), e01), e10);
                        (g00, g01, g10, g11) = (TOps.And(go, e00), TOps.And(go, e01), TOps.And(go, e10), TOps.And(go, e11));
                    }

                    TVec z00 = TAct.Backward<TOps, TVec>(v00, g00), z01 = TAct.Backward<TOps, TVec>(v01, g01);
                    TVec z10 = TAct.Backward<TOps, TVec>(v10, g10), z11 = TAct.Backward<TOps, TVec>(v11, g11);
                    TOps.Store(z00, ref d00, 0);
                    TOps.Store(z01, ref d00, L);
                    TOps.Store(z10, ref d00, dzRow);
                    TOps.Store(z11, ref d00, dzRow + L);
                    sum = TOps.Add(sum, TOps.Add(TOps.Add(z00, z01), TOps.Add(z10, z11)));
                }
            }

            // An odd last row or column belongs to no window: its gradient is zero.
            for (int y = 0; y < dzMap.Height; y++)
            {
                for (int x = y < 2 * dOutMap.Height ? 2 * dOutMap.Width : 0; x < dzMap.Width; x++)
                {
                    TOps.Store(TOps.Zero, ref d, dzMap.Offset(o, y, x));
                }
            }

            if (!biasGrad.IsEmpty)
            {
                biasGrad[o] += TOps.Sum(sum);
            }
        }
    }

    /// <summary>
    /// dz = act'(a) ⊙ dOut over [O, H, W] for lanes [lane, lane + Count) (no pool), and biasGrad[o] += Σ dz[o].
    /// Every map may have padding of its own; dz may be dOut itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plain<TOps, TVec, TAct>(
        ReadOnlySpan<float> dOut, TileMap dOutMap, ReadOnlySpan<float> a, TileMap aMap, Span<float> dz, TileMap dzMap, Span<float> biasGrad, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        const int L = TileMap.Lanes;
        Debug.Assert(dOut.Length >= dOutMap.Length && a.Length >= aMap.Length && dz.Length >= dzMap.Length);
        Debug.Assert(dOutMap.Height == aMap.Height && dOutMap.Width == aMap.Width && dzMap.Height == aMap.Height && dzMap.Width == aMap.Width);
        ref float g = ref Unsafe.Add(ref MemoryMarshal.GetReference(dOut), lane);
        ref float act = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), lane);
        ref float d = ref Unsafe.Add(ref MemoryMarshal.GetReference(dz), lane);
        for (int o = 0; o < dOutMap.Channels; o++)
        {
            TVec sum = TOps.Zero;
            for (int y = 0; y < dOutMap.Height; y++)
            {
                ref float gRow = ref Unsafe.Add(ref g, dOutMap.Offset(o, y, 0));
                ref float aRow = ref Unsafe.Add(ref act, aMap.Offset(o, y, 0));
                ref float dRow = ref Unsafe.Add(ref d, dzMap.Offset(o, y, 0));
                for (int x = 0; x < dOutMap.Width; x++)
                {
                    TVec z = TAct.Backward<TOps, TVec>(TOps.Load(ref aRow, x * L), TOps.Load(ref gRow, x * L));
                    TOps.Store(z, ref dRow, x * L);
                    sum = TOps.Add(sum, z);
                }
            }

            if (!biasGrad.IsEmpty)
            {
                biasGrad[o] += TOps.Sum(sum);
            }
        }
    }
}
