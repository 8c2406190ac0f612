using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// One image's stride-1 3×3 convolution by Winograd's minimal filtering F(4×4, 3×3) (Lavin and Gray, 2016),
/// with the bias, the activation and an optional 2×2 stride-2 pool fused into the output transform. Each 4×4
/// output tile is Y = Aᵀ [U ⊙ V] A, U = G g Gᵀ (the plan's weights), V = Bᵀ d B of the tile's 6×6 input patch d:
/// 36 multiplies per (input channel, output channel, tile) instead of 144 (4× fewer; F(2×2, 3×3) saves 2.25×).
/// </summary>
/// <remarks>
/// <para>
/// A pass of <see cref="WinogradF4Plan.RowsPerPass"/> tile rows at a time: (1) per tile row and input channel, the
/// input transform, vectorized over tiles (each input row split into its 4 column phases by even/odd shuffles, the
/// 6 rows combined, then the 6 columns of each tile) into V [36, C, tiles]; (2) for each of the 36 positions ξ
/// a GEMM over input channels (<see cref="WinogradGemm"/>, shared with F(2×2)), M[ξ, t, o] = Σ_c V[ξ, c, t]·U[ξ, c, o],
/// vectorized over output channels in blocks
/// of 4 tiles × 3 channel vectors on 16-register CPUs or × 4 with AVX-512's 32 registers (one read of U serves a
/// pass's tiles); (3) the output transform per tile and channel vector with the bias, activation and pool in
/// registers, scattered into the output planes.
/// </para>
/// <para>
/// The points 0, ±1, ±2, ∞: Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0], [0, −2, −1, 2, 1, 0],
/// [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]], Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, −1, 2, −2, 0], [0, 1, 1, 4, 4, 0],
/// [0, 1, −1, 8, −8, 1]]. Every output is computed by the same operations whichever tile rows a call or a pass
/// covers, so splitting the rows across threads gives the same bits. A patch that reaches past the padded planes
/// (the last tile row or column overhangs the output by 1–3 pixels) is transformed from a zero-filled copy: past the
/// edge the arithmetic cancels only in exact arithmetic, so whatever lies there (slack, the next plane) must be zero.
/// </para>
/// </remarks>
internal static class WinogradF4Kernel
{
    /// <summary>
    /// Tile rows [first, first + count) of <paramref name="plan"/>'s convolution of input planes [C, Hp, Wp]
    /// (at least <see cref="WinogradF4Plan.SourceLength"/> floats): output planes at the given strides from
    /// output pixel (0, 0) (pooled pixel (0, 0) when pooled); <paramref name="scratch"/> is
    /// <see cref="WinogradF4Plan.Scratch"/>, <paramref name="lanes"/> 16 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<TOps, TVec, TAct, TPool>(
        WinogradF4Plan plan, ReadOnlySpan<float> input, int first, int count, Span<float> output, int outRowStride, int outPlaneStride, Span<float> scratch, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        Debug.Assert(input.Length >= plan.SourceLength && scratch.Length >= plan.TransformedLength + plan.ProductLength + plan.RowLength && lanes.Length >= TOps.Count);
        Debug.Assert(first >= 0 && first + count <= plan.TilesY);
        for (int pass = first; pass < first + count; pass += plan.RowsPerPass)
        {
            int rows = Math.Min(plan.RowsPerPass, first + count - pass), tiles = rows * plan.TilesX;
            int tileStride = tiles + ConvChannelsKernel.ChannelAlign;
            Span<float> v = scratch[..(WinogradF4Plan.Positions * plan.InChannels * tileStride)];
            Span<float> m = scratch.Slice(plan.TransformedLength, WinogradF4Plan.Positions * tiles * plan.PaddedOut);
            Span<float> row = scratch.Slice(plan.TransformedLength + plan.ProductLength, plan.RowLength);
            for (int r = 0; r < rows; r++)
            {
                TransformInput<TOps, TVec>(plan, input, pass + r, v, tileStride, r * plan.TilesX, row);
            }

            WinogradGemm.Multiply<TOps, TVec>(plan.Weights, WinogradF4Plan.Positions, plan.InChannels, plan.PaddedOut, v, tileStride, m, tiles, 0, plan.PaddedOut / TOps.Count);
            TransformOutput<TOps, TVec, TAct, TPool>(plan, m, tiles, pass, output, outRowStride, outPlaneStride, lanes);
        }
    }

    /// <summary>
    /// V[6k + j, c, first + t] = (Bᵀ d B)[k, j] of tile t's 6×6 patch in tile row <paramref name="ty"/>, vectorized
    /// over tiles: each of the 6 input rows is split into its 4 phases (columns 4t + p, by two rounds of even/odd
    /// shuffles), the rows combine per phase, then the columns 4t … 4t + 5 of each combined row (phases 0 … 3 at
    /// t, 0 and 1 at t + 1) straight into V.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput<TOps, TVec>(WinogradF4Plan plan, ReadOnlySpan<float> input, int ty, Span<float> v, int tileStride, int firstTile, Span<float> row)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int channels = plan.InChannels, staged = plan.StagedWidth, wp = plan.PaddedWidth, phaseTiles = plan.PhaseTiles;
        nint vl = TOps.Count, plane = (nint)plan.PaddedHeight * wp, phase = plan.PhaseStride, rowPhases = 4 * phase;
        int validRows = Math.Min(6, plan.PaddedHeight - (4 * ty));
        bool copy = validRows < 6 || plan.OverhangsColumns;
        Span<float> copied = row.Slice(2 * 24 * plan.PhaseStride, 6 * staged);
        if (copy)
        {
            copied.Clear();
        }

        ref float p0 = ref MemoryMarshal.GetReference(row);
        ref float e0 = ref Unsafe.Add(ref p0, 6 * rowPhases);
        ref float v0 = ref MemoryMarshal.GetReference(v);
        nint step = (nint)channels * tileStride;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> source = input[(int)((c * plane) + (4 * ty * wp))..];
            nint stride = wp;
            if (copy)
            {
                // Only the pixels inside the planes: the rest of the copy stays zero.
                for (int y = 0; y < validRows; y++)
                {
                    source.Slice(y * wp, wp).CopyTo(copied[(y * staged)..]);
                }

                source = copied;
                stride = staged;
            }

            // Phases: phases[r, p, t] = d[r, 4t + p].
            ref float d0 = ref MemoryMarshal.GetReference(source);
            for (int r = 0; r < 6; r++)
            {
                ref float d = ref Unsafe.Add(ref d0, r * stride);
                ref float ph = ref Unsafe.Add(ref p0, r * rowPhases);
                for (nint t = 0; t < phaseTiles; t += vl)
                {
                    TVec x0 = TOps.Load(ref d, 4 * t), x1 = TOps.Load(ref d, (4 * t) + vl);
                    TVec x2 = TOps.Load(ref d, (4 * t) + (2 * vl)), x3 = TOps.Load(ref d, (4 * t) + (3 * vl));
                    TVec evens01 = TOps.Evens(x0, x1), odds01 = TOps.Odds(x0, x1), evens23 = TOps.Evens(x2, x3), odds23 = TOps.Odds(x2, x3);
                    TOps.Store(TOps.Evens(evens01, evens23), ref ph, t);
                    TOps.Store(TOps.Evens(odds01, odds23), ref ph, phase + t);
                    TOps.Store(TOps.Odds(evens01, evens23), ref ph, (2 * phase) + t);
                    TOps.Store(TOps.Odds(odds01, odds23), ref ph, (3 * phase) + t);
                }
            }

            // Rows: combined[k, p, t] = Σ_r Bᵀ[k, r]·phases[r, p, t].
            for (int p = 0; p < 4; p++)
            {
                ref float ph = ref Unsafe.Add(ref p0, p * phase);
                ref float e = ref Unsafe.Add(ref e0, p * phase);
                for (nint t = 0; t < phaseTiles; t += vl)
                {
                    Transform<TOps, TVec>(
                        TOps.Load(ref ph, t), TOps.Load(ref ph, rowPhases + t), TOps.Load(ref ph, (2 * rowPhases) + t),
                        TOps.Load(ref ph, (3 * rowPhases) + t), TOps.Load(ref ph, (4 * rowPhases) + t), TOps.Load(ref ph, (5 * rowPhases) + t),
                        ref Unsafe.Add(ref e, t), rowPhases);
                }
            }

            // Columns: V[6k + j, c, t] = Σ_s Bᵀ[j, s]·combined[k, 4t + s] (a last vector's tiles past TilesX land in the
            // next tile row's place, written after, or in V's padding).
            for (int k = 0; k < 6; k++)
            {
                ref float e = ref Unsafe.Add(ref e0, k * rowPhases);
                ref float to = ref Unsafe.Add(ref v0, ((6 * k * channels) + c) * (nint)tileStride + firstTile);
                for (nint t = 0; t < plan.TilesX; t += vl)
                {
                    Transform<TOps, TVec>(
                        TOps.Load(ref e, t), TOps.Load(ref e, phase + t), TOps.Load(ref e, (2 * phase) + t),
                        TOps.Load(ref e, (3 * phase) + t), TOps.Load(ref e, t + 1), TOps.Load(ref e, phase + t + 1),
                        ref Unsafe.Add(ref to, t), step);
                }
            }
        }
    }

    /// <summary>Bᵀ a, stored at <paramref name="destination"/> + k·<paramref name="step"/> for k = 0 … 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transform<TOps, TVec>(TVec a0, TVec a1, TVec a2, TVec a3, TVec a4, TVec a5, ref float destination, nint step)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec sum12 = TOps.Add(a1, a2), sum34 = TOps.Add(a3, a4);
        TVec difference12 = TOps.Subtract(a1, a2), difference43 = TOps.Subtract(a4, a3);
        TVec difference31 = TOps.Subtract(a3, a1), difference42 = TOps.Subtract(a4, a2);
        TOps.Store(TOps.MultiplyAdd(a0, TOps.Create(4f), TOps.MultiplyAdd(a2, TOps.Create(-5f), a4)), ref destination, 0);
        TOps.Store(TOps.MultiplyAdd(sum12, TOps.Create(-4f), sum34), ref destination, step);
        TOps.Store(TOps.MultiplyAdd(difference12, TOps.Create(4f), difference43), ref destination, 2 * step);
        TOps.Store(TOps.MultiplyAdd(difference31, TOps.Create(2f), difference42), ref destination, 3 * step);
        TOps.Store(TOps.MultiplyAdd(difference31, TOps.Create(-2f), difference42), ref destination, 4 * step);
        TOps.Store(TOps.MultiplyAdd(a1, TOps.Create(4f), TOps.MultiplyAdd(a3, TOps.Create(-5f), a5)), ref destination, 5 * step);
    }

    /// <summary>Row <paramref name="r"/> of Aᵀ applied to a0 … a5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Inverse<TOps, TVec>(int r, TVec a0, TVec a1, TVec a2, TVec a3, TVec a4, TVec a5)
        where TOps : ISimdOps<TVec>
        where TVec : struct => r switch
        {
            0 => TOps.Add(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), a4),
            1 => TOps.MultiplyAdd(TOps.Subtract(a3, a4), TOps.Create(2f), TOps.Subtract(a1, a2)),
            2 => TOps.MultiplyAdd(TOps.Add(a3, a4), TOps.Create(4f), TOps.Add(a1, a2)),
            _ => TOps.Add(TOps.MultiplyAdd(TOps.Subtract(a3, a4), TOps.Create(8f), TOps.Subtract(a1, a2)), a5),
        };

    /// <summary>Output row <paramref name="r"/> of the tile whose products (one channel vector) start at <paramref name="at"/>: (Aᵀ M A)[r, 0 … 3].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec Y0, TVec Y1, TVec Y2, TVec Y3) OutputRow<TOps, TVec>(int r, ref float at, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec s0 = Column<TOps, TVec>(r, ref at, 0, position), s1 = Column<TOps, TVec>(r, ref at, 1, position);
        TVec s2 = Column<TOps, TVec>(r, ref at, 2, position), s3 = Column<TOps, TVec>(r, ref at, 3, position);
        TVec s4 = Column<TOps, TVec>(r, ref at, 4, position), s5 = Column<TOps, TVec>(r, ref at, 5, position);
        return (
            Inverse<TOps, TVec>(0, s0, s1, s2, s3, s4, s5),
            Inverse<TOps, TVec>(1, s0, s1, s2, s3, s4, s5),
            Inverse<TOps, TVec>(2, s0, s1, s2, s3, s4, s5),
            Inverse<TOps, TVec>(3, s0, s1, s2, s3, s4, s5));
    }

    /// <summary>(Aᵀ M)[r, j]: row <paramref name="r"/> of Aᵀ over column j's six products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Column<TOps, TVec>(int r, ref float at, nint j, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        Inverse<TOps, TVec>(
            r,
            TOps.Load(ref at, j * position),
            TOps.Load(ref at, (6 + j) * position),
            TOps.Load(ref at, (12 + j) * position),
            TOps.Load(ref at, (18 + j) * position),
            TOps.Load(ref at, (24 + j) * position),
            TOps.Load(ref at, (30 + j) * position));

    /// <summary>
    /// Each pass tile's 4×4 outputs act(Y + bias), those inside the output; pooled, its 2×2 pooled pixels, those
    /// inside the pooled output.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput<TOps, TVec, TAct, TPool>(WinogradF4Plan plan, Span<float> m, int tiles, int firstRow, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        int vl = TOps.Count, padded = plan.PaddedOut;
        nint position = (nint)tiles * padded;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref float b = ref MemoryMarshal.GetArrayDataReference(plan.Bias);
        for (int tile = 0; tile < tiles; tile++)
        {
            int ty = firstRow + (tile / plan.TilesX), tx = tile % plan.TilesX;

            // Stored rows and columns of this tile: of the output, or (pooled) of the pooled output.
            int rows = plan.Pooled ? Math.Min(2, (plan.StoredHeight / 2) - (2 * ty)) : Math.Min(4, plan.OutHeight - (4 * ty));
            int cols = plan.Pooled ? Math.Min(2, (plan.StoredWidth / 2) - (2 * tx)) : Math.Min(4, plan.OutWidth - (4 * tx));
            int offset = plan.Pooled ? (2 * ty * outRowStride) + (2 * tx) : (4 * ty * outRowStride) + (4 * tx);
            for (int at = 0; at < plan.OutChannels; at += vl)
            {
                ref float products = ref Unsafe.Add(ref m0, (tile * padded) + at);
                TVec bias = TOps.Load(ref b, at);
                if (plan.Pooled)
                {
                    PoolRow<TOps, TVec, TAct, TPool>(OutputRow<TOps, TVec>(0, ref products, position), OutputRow<TOps, TVec>(1, ref products, position), bias, cols, at, plan.OutChannels, output, offset, outPlaneStride, lanes);
                    if (rows > 1)
                    {
                        PoolRow<TOps, TVec, TAct, TPool>(OutputRow<TOps, TVec>(2, ref products, position), OutputRow<TOps, TVec>(3, ref products, position), bias, cols, at, plan.OutChannels, output, offset + outRowStride, outPlaneStride, lanes);
                    }

                    continue;
                }

                // Constant row numbers, so each row's Aᵀ combination is known to the JIT.
                StoreRow<TOps, TVec, TAct>(OutputRow<TOps, TVec>(0, ref products, position), bias, cols, at, plan.OutChannels, output, offset, outPlaneStride, lanes);
                if (rows > 1)
                {
                    StoreRow<TOps, TVec, TAct>(OutputRow<TOps, TVec>(1, ref products, position), bias, cols, at, plan.OutChannels, output, offset + outRowStride, outPlaneStride, lanes);
                }

                if (rows > 2)
                {
                    StoreRow<TOps, TVec, TAct>(OutputRow<TOps, TVec>(2, ref products, position), bias, cols, at, plan.OutChannels, output, offset + (2 * outRowStride), outPlaneStride, lanes);
                }

                if (rows > 3)
                {
                    StoreRow<TOps, TVec, TAct>(OutputRow<TOps, TVec>(3, ref products, position), bias, cols, at, plan.OutChannels, output, offset + (3 * outRowStride), outPlaneStride, lanes);
                }
            }
        }
    }

    /// <summary>act(y + bias) of one output row's first <paramref name="cols"/> pixels, from <paramref name="pixel"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOps, TVec, TAct>((TVec Y0, TVec Y1, TVec Y2, TVec Y3) y, TVec bias, int cols, int at, int outChannels, Span<float> output, int pixel, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y.Y0, bias)), at, outChannels, output, pixel, outPlaneStride, lanes);
        if (cols > 1)
        {
            WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y.Y1, bias)), at, outChannels, output, pixel + 1, outPlaneStride, lanes);
        }

        if (cols > 2)
        {
            WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y.Y2, bias)), at, outChannels, output, pixel + 2, outPlaneStride, lanes);
        }

        if (cols > 3)
        {
            WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y.Y3, bias)), at, outChannels, output, pixel + 3, outPlaneStride, lanes);
        }
    }

    /// <summary>One pooled row of a tile: the windows over output rows y and z, columns (0, 1) and, when stored, (2, 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PoolRow<TOps, TVec, TAct, TPool>((TVec Y0, TVec Y1, TVec Y2, TVec Y3) y, (TVec Y0, TVec Y1, TVec Y2, TVec Y3) z, TVec bias, int cols, int at, int outChannels, Span<float> output, int pixel, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        WinogradOutput.Scatter<TOps, TVec>(WinogradOutput.PoolWindow<TOps, TVec, TAct, TPool>(y.Y0, y.Y1, z.Y0, z.Y1, bias), at, outChannels, output, pixel, outPlaneStride, lanes);
        if (cols > 1)
        {
            WinogradOutput.Scatter<TOps, TVec>(WinogradOutput.PoolWindow<TOps, TVec, TAct, TPool>(y.Y2, y.Y3, z.Y2, z.Y3, bias), at, outChannels, output, pixel + 1, outPlaneStride, lanes);
        }
    }


}
