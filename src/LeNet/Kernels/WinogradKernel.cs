using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// One image's stride-1 3×3 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin and Gray, 2016),
/// with the bias, the activation and an optional 2×2 stride-2 pool fused into the output transform. Each
/// 2×2 output tile is Y = Aᵀ [U ⊙ V] A, U = G g Gᵀ (the plan's weights), V = Bᵀ d B of the tile's 4×4
/// input patch d: 16 multiplies per (input channel, output channel, tile) instead of 36 (2.25× fewer).
/// </summary>
/// <remarks>
/// <para>
/// A group of <see cref="WinogradPlan.GroupRows"/> tile rows at a time, so the transformed weights U (4 MB at
/// 256→256, 16 MB at 512→512) are streamed once per group rather than once per tile row: (1) the input
/// transform, vectorized over a row's tiles (the patch columns 2t … 2t + 3 split from two loads by even and odd
/// lanes; where a row has half or a quarter of a vector of tiles, two or four tile rows share one vector), into V [16, C, S] with the group's tiles side by side (row r's tiles at r·TilesX; S leaves room for
/// the last vector's spare lanes); (2) for each of the 16 positions ξ a GEMM over input channels (<see cref="WinogradGemm"/>),
/// M[ξ, t, o] = Σ_c V[ξ, c, t]·U[ξ, c, o], vectorized over output channels (the V element is broadcast) in
/// blocks of 4 tiles × 3 channel vectors on 16-register CPUs (12 accumulators + 3 weights + 1 broadcast) or × 4
/// with AVX-512's 32 registers, each U[ξ] block serving every tile of the group; (3) the output transform per
/// tile and channel vector, with the bias, activation and pool in registers, scattered into the output planes.
/// A call covers a range of tile rows and a range of 16-channel output blocks (<see cref="WinogradPlan.Part"/>).
/// </para>
/// <para>
/// Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]], Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]. Every
/// output is computed by the same operations whichever tile rows, groups and channel blocks a call covers, so
/// splitting the rows or the channels across threads gives the same bits. Output row 2t + 1 (column likewise)
/// is the only one that reads the patch's last row, so a tile that overhangs an odd output edge reads slack
/// that reaches no stored pixel.
/// </para>
/// </remarks>
internal static class WinogradKernel
{
    /// <summary>
    /// Tile rows [first, first + count) of <paramref name="plan"/>'s convolution, every output channel; see the
    /// overload with channel blocks.
    /// </summary>
    public static void Rows<TOps, TVec, TAct, TPool>(
        WinogradPlan plan, ReadOnlySpan<float> input, int first, int count, Span<float> output, int outRowStride, int outPlaneStride, Span<float> scratch, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction =>
        Rows<TOps, TVec, TAct, TPool>(plan, input, first, count, 0, plan.Blocks, output, outRowStride, outPlaneStride, scratch, lanes);

    /// <summary>
    /// Tile rows [first, first + count) and output channels [16·firstBlock, 16·(firstBlock + blockCount)) ∩ [0, O)
    /// of <paramref name="plan"/>'s convolution of input planes [C, Hp, Wp] (at least
    /// <see cref="WinogradPlan.SourceLength"/> floats): output planes at the given strides from output pixel (0, 0)
    /// of channel 0 (pooled pixel (0, 0) when pooled); <paramref name="scratch"/> is
    /// <see cref="WinogradPlan.Scratch"/>, <paramref name="lanes"/> 16 floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows<TOps, TVec, TAct, TPool>(
        WinogradPlan plan, ReadOnlySpan<float> input, int first, int count, int firstBlock, int blockCount, Span<float> output, int outRowStride, int outPlaneStride, Span<float> scratch, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        Debug.Assert(input.Length >= plan.SourceLength && scratch.Length >= plan.TransformedLength + plan.ProductLength && lanes.Length >= TOps.Count);
        Debug.Assert(first >= 0 && first + count <= plan.TilesY && firstBlock >= 0 && firstBlock + blockCount <= plan.Blocks);
        Span<float> v = scratch[..plan.TransformedLength];
        Span<float> m = scratch.Slice(plan.TransformedLength, plan.ProductLength);
        int perBlock = WinogradPlan.BlockChannels / TOps.Count;
        int firstVector = firstBlock * perBlock, endVector = (firstBlock + blockCount) * perBlock;
        for (int ty = first; ty < first + count; ty += plan.GroupRows)
        {
            int rows = Math.Min(plan.GroupRows, first + count - ty);
            TransformInput<TOps, TVec>(plan, input, ty, rows, v);
            WinogradGemm.Multiply<TOps, TVec>(plan.Weights, WinogradPlan.Positions, plan.InChannels, plan.PaddedOut, v, plan.TileStride, m, rows * plan.TilesX, firstVector, endVector);
            if (plan.Pooled)
            {
                TransformPooled<TOps, TVec, TAct, TPool>(plan, m, ty, rows, firstVector, endVector, output, outRowStride, outPlaneStride, lanes);
            }
            else
            {
                TransformOutput<TOps, TVec, TAct>(plan, m, ty, rows, firstVector, endVector, output, outRowStride, outPlaneStride, lanes);
            }
        }
    }

    /// <summary>
    /// V[4k + j, c, r·TilesX + t] = (Bᵀ d B)[k, j] of the 4×4 patch at column 2t of tile row first + r's first
    /// input row: the rows combine first, on whole loads, then the even and odd lanes give the patch columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformInput<TOps, TVec>(WinogradPlan plan, ReadOnlySpan<float> input, int first, int rows, Span<float> v)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int tiles = plan.TilesX;
        nint vl = TOps.Count, row = plan.PaddedWidth, plane = (nint)plan.PaddedHeight * plan.PaddedWidth, stride = plan.TileStride;
        nint position = plan.InChannels * stride;
        ref float x0 = ref MemoryMarshal.GetReference(input);
        ref float dst = ref MemoryMarshal.GetReference(v);
        for (int c = 0; c < plan.InChannels; c++)
        {
            // Rows ascend, and tiles within a row: a vector's spare lanes past a row's last tile land where the next
            // row's tiles (or the slack after the group) are written later.
            int r = 0;
            if (4 * tiles == vl)
            {
                // A quarter of a vector of tiles per row (resnet20's 8×8 maps at 512 bits): four tile rows per vector,
                // the lower halves of each row's combined loads side by side.
                for (; r + 3 < rows; r += 4)
                {
                    ref float top = ref Unsafe.Add(ref x0, (c * plane) + (2 * (first + r) * row));
                    ref float d = ref Unsafe.Add(ref dst, (c * stride) + (r * tiles));
                    for (int k = 0; k < 4; k++)
                    {
                        Columns<TOps, TVec>(
                            TOps.LowerHalves(Combined<TOps, TVec>(k, ref top, row, 0), Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 2 * row), row, 0)),
                            TOps.LowerHalves(Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 4 * row), row, 0), Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 6 * row), row, 0)),
                            TOps.LowerHalves(Combined<TOps, TVec>(k, ref top, row, 2), Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 2 * row), row, 2)),
                            TOps.LowerHalves(Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 4 * row), row, 2), Combined<TOps, TVec>(k, ref Unsafe.Add(ref top, 6 * row), row, 2)),
                            ref Unsafe.Add(ref d, 4 * k * position), position);
                    }
                }
            }
            else if (2 * tiles == vl)
            {
                // Half a vector of tiles per row (resnet20's 16×16 maps at 512 bits, 8×8 at 256): two tile rows per
                // vector, the upper one's loads in place of the second vector of columns, so no lane is spare.
                for (; r + 1 < rows; r += 2)
                {
                    ref float top = ref Unsafe.Add(ref x0, (c * plane) + (2 * (first + r) * row));
                    ref float next = ref Unsafe.Add(ref top, 2 * row);
                    ref float d = ref Unsafe.Add(ref dst, (c * stride) + (r * tiles));
                    for (int k = 0; k < 4; k++)
                    {
                        Columns<TOps, TVec>(
                            Combined<TOps, TVec>(k, ref top, row, 0),
                            Combined<TOps, TVec>(k, ref next, row, 0),
                            Combined<TOps, TVec>(k, ref top, row, 2),
                            Combined<TOps, TVec>(k, ref next, row, 2),
                            ref Unsafe.Add(ref d, 4 * k * position), position);
                    }
                }
            }

            for (; r < rows; r++)
            {
                ref float top = ref Unsafe.Add(ref x0, (c * plane) + (2 * (first + r) * row));
                ref float d = ref Unsafe.Add(ref dst, (c * stride) + (r * tiles));
                for (nint t = 0; t < tiles; t += vl)
                {
                    // Row k of Bᵀ d, then its columns the same way (Columns).
                    nint x = 2 * t;
                    for (int k = 0; k < 4; k++)
                    {
                        Columns<TOps, TVec>(
                            Combined<TOps, TVec>(k, ref top, row, x),
                            Combined<TOps, TVec>(k, ref top, row, x + vl),
                            Combined<TOps, TVec>(k, ref top, row, x + 2),
                            Combined<TOps, TVec>(k, ref top, row, x + 2 + vl),
                            ref Unsafe.Add(ref d, t + (4 * k * position)), position);
                    }
                }
            }
        }
    }

    /// <summary>Row <paramref name="k"/> of Bᵀ d for the patches whose first input row is at <paramref name="top"/>, from column <paramref name="x"/>: d0 − d2, d1 + d2, d2 − d1, d1 − d3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Combined<TOps, TVec>(int k, ref float top, nint row, nint x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => k switch
        {
            0 => TOps.Subtract(TOps.Load(ref top, x), TOps.Load(ref top, (2 * row) + x)),
            1 => TOps.Add(TOps.Load(ref top, row + x), TOps.Load(ref top, (2 * row) + x)),
            2 => TOps.Subtract(TOps.Load(ref top, (2 * row) + x), TOps.Load(ref top, row + x)),
            _ => TOps.Subtract(TOps.Load(ref top, row + x), TOps.Load(ref top, (3 * row) + x)),
        };

    /// <summary>
    /// Stores one row of Bᵀ d B for a vector of tiles from the combined input rows at columns 2t (lo, hi: the two
    /// loads from there) and 2t + 2 (lo2, hi2): the patch columns are their even and odd lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns<TOps, TVec>(TVec lo, TVec hi, TVec lo2, TVec hi2, ref float d, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        TVec e0 = TOps.Evens(lo, hi), e1 = TOps.Odds(lo, hi), e2 = TOps.Evens(lo2, hi2), e3 = TOps.Odds(lo2, hi2);
        TOps.Store(TOps.Subtract(e0, e2), ref d, 0);
        TOps.Store(TOps.Add(e1, e2), ref d, position);
        TOps.Store(TOps.Subtract(e2, e1), ref d, 2 * position);
        TOps.Store(TOps.Subtract(e1, e3), ref d, 3 * position);
    }

    /// <summary>Aᵀ M A of tile t's channel vector at <paramref name="at"/>: its 2×2 outputs (row-major).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TVec Y00, TVec Y01, TVec Y10, TVec Y11) Inverse<TOps, TVec>(ref float at, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        // Rows of Aᵀ M: s = M0 + M1 + M2 and r = M1 − M2 − M3 (M_k is row k, 4 columns), then the same over columns.
        TVec s0 = Row0<TOps, TVec>(ref at, 0, position), s1 = Row0<TOps, TVec>(ref at, 1, position);
        TVec s2 = Row0<TOps, TVec>(ref at, 2, position), s3 = Row0<TOps, TVec>(ref at, 3, position);
        TVec r0 = Row1<TOps, TVec>(ref at, 0, position), r1 = Row1<TOps, TVec>(ref at, 1, position);
        TVec r2 = Row1<TOps, TVec>(ref at, 2, position), r3 = Row1<TOps, TVec>(ref at, 3, position);
        return (
            TOps.Add(TOps.Add(s0, s1), s2),
            TOps.Subtract(TOps.Subtract(s1, s2), s3),
            TOps.Add(TOps.Add(r0, r1), r2),
            TOps.Subtract(TOps.Subtract(r1, r2), r3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Row0<TOps, TVec>(ref float at, nint j, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.Add(TOps.Add(TOps.Load(ref at, j * position), TOps.Load(ref at, (4 + j) * position)), TOps.Load(ref at, (8 + j) * position));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Row1<TOps, TVec>(ref float at, nint j, nint position)
        where TOps : ISimdOps<TVec>
        where TVec : struct =>
        TOps.Subtract(TOps.Subtract(TOps.Load(ref at, (4 + j) * position), TOps.Load(ref at, (8 + j) * position)), TOps.Load(ref at, (12 + j) * position));

    /// <summary>Each tile is a pool window: pooled pixel (ty, t) = pool of act(Y + bias), for the group's rows [first, first + rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformPooled<TOps, TVec, TAct, TPool>(
        WinogradPlan plan, Span<float> m, int first, int rows, int firstVector, int endVector, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction
    {
        int vl = TOps.Count, padded = plan.PaddedOut, tilesX = plan.TilesX, tiles = rows * tilesX;
        int end = Math.Min(endVector * vl, plan.OutChannels);
        nint position = (nint)tiles * padded;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref float b = ref MemoryMarshal.GetArrayDataReference(plan.Bias);
        for (int t = 0; t < tiles; t++)
        {
            int ty = first + (t / tilesX), tx = t % tilesX;
            for (int at = firstVector * vl; at < end; at += vl)
            {
                (TVec y00, TVec y01, TVec y10, TVec y11) = Inverse<TOps, TVec>(ref Unsafe.Add(ref m0, (t * padded) + at), position);
                TVec bias = TOps.Load(ref b, at);
                TVec pooled = WinogradOutput.PoolWindow<TOps, TVec, TAct, TPool>(y00, y01, y10, y11, bias);
                WinogradOutput.Scatter<TOps, TVec>(pooled, at, plan.OutChannels, output, (ty * outRowStride) + tx, outPlaneStride, lanes);
            }
        }
    }

    /// <summary>No pool: output pixels (2ty + i, 2t + j) = act(Y[i, j] + bias), those inside the output, for the group's rows [first, first + rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformOutput<TOps, TVec, TAct>(
        WinogradPlan plan, Span<float> m, int first, int rows, int firstVector, int endVector, Span<float> output, int outRowStride, int outPlaneStride, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        int vl = TOps.Count, padded = plan.PaddedOut, tilesX = plan.TilesX, tiles = rows * tilesX;
        int end = Math.Min(endVector * vl, plan.OutChannels);
        nint position = (nint)tiles * padded;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref float b = ref MemoryMarshal.GetArrayDataReference(plan.Bias);
        for (int t = 0; t < tiles; t++)
        {
            int ty = first + (t / tilesX), tx = t % tilesX;
            bool lowerRow = (2 * ty) + 1 < plan.OutHeight;
            bool rightColumn = (2 * tx) + 1 < plan.OutWidth;
            int offset = (2 * ty * outRowStride) + (2 * tx);
            for (int at = firstVector * vl; at < end; at += vl)
            {
                (TVec y00, TVec y01, TVec y10, TVec y11) = Inverse<TOps, TVec>(ref Unsafe.Add(ref m0, (t * padded) + at), position);
                TVec bias = TOps.Load(ref b, at);
                WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y00, bias)), at, plan.OutChannels, output, offset, outPlaneStride, lanes);
                if (rightColumn)
                {
                    WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y01, bias)), at, plan.OutChannels, output, offset + 1, outPlaneStride, lanes);
                }

                if (lowerRow)
                {
                    WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y10, bias)), at, plan.OutChannels, output, offset + outRowStride, outPlaneStride, lanes);
                    if (rightColumn)
                    {
                        WinogradOutput.Scatter<TOps, TVec>(TAct.Apply<TOps, TVec>(TOps.Add(y11, bias)), at, plan.OutChannels, output, offset + outRowStride + 1, outPlaneStride, lanes);
                    }
                }
            }
        }
    }

}
