using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// A stride-1 3×3 convolution prepared for <see cref="WinogradKernel"/> (F(2×2, 3×3)): the weights
/// transformed once (U = G g Gᵀ, [16, C, O'] with O' the output channels padded to 16), the bias padded to
/// O', the tile grid, the grouping of tile rows and the scratch one group needs. Read-only once built; shared by every image.
/// </summary>
/// <remarks>
/// Each output tile is a 2×2 block of output pixels, made from the 4×4 input patch at twice its position.
/// With a fused 2×2 stride-2 pool the tiles are exactly the pool windows (floor(OH/2) × floor(OW/2) of them);
/// without one, ⌈OH/2⌉ × ⌈OW/2⌉ tiles cover the output and the pixels past its edge are not stored.
/// </remarks>
internal sealed class WinogradPlan
{
    /// <summary>The 4×4 positions of a transformed tile.</summary>
    public const int Positions = 16;

    /// <summary>Output channels per block of a split over channels (the widest vector).</summary>
    public const int BlockChannels = 16;

    /// <summary>
    /// Tiles per group: each U[ξ] block is read once per group from wherever U lives (L3 or memory for the large
    /// layers) and then from L2 for each further block of 4 tiles; 32 tiles keep a group's V and M within L2.
    /// </summary>
    private const int TargetTiles = 32;

    [ThreadStatic]
    private static float[]? _threadScratch;

    /// <summary>
    /// Builds the plan of a convolution over planes [C, Hp, Wp] (its padding already in them) with
    /// weight [O, C, 3, 3] and bias [O]; <paramref name="pooled"/> when a 2×2 stride-2 pool is fused.
    /// </summary>
    public WinogradPlan(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int inChannels, int paddedHeight, int paddedWidth, bool pooled)
    {
        OutChannels = outChannels;
        InChannels = inChannels;
        PaddedHeight = paddedHeight;
        PaddedWidth = paddedWidth;
        OutHeight = paddedHeight - 2;
        OutWidth = paddedWidth - 2;
        Pooled = pooled;
        TilesY = pooled ? OutHeight / 2 : (OutHeight + 1) / 2;
        TilesX = pooled ? OutWidth / 2 : (OutWidth + 1) / 2;
        PaddedOut = ConvChannelsKernel.PaddedChannels(outChannels);

        // Tile rows go through the kernel in groups of about TargetTiles tiles, which each U block serves in turn.
        GroupRows = Math.Clamp(TargetTiles / Math.Max(1, TilesX), 1, Math.Max(1, TilesY));

        // A group's tiles side by side per (position, input channel), plus room for the spare lanes of a row's
        // last vector of tiles.
        TileStride = (GroupRows * TilesX) + BlockChannels;
        TransformedLength = Positions * inChannels * TileStride;
        ProductLength = Positions * GroupRows * TilesX * PaddedOut;

        // The last tile row's transform reads 4 rows and, from column 2t of its last vector of tiles t …
        // t + 15, two vectors from there and two from 2 columns on.
        int lastRow = ((inChannels - 1) * paddedHeight * paddedWidth) + ((2 * (TilesY - 1)) + 3) * paddedWidth;
        SourceLength = Math.Max(inChannels * paddedHeight * paddedWidth, lastRow + (2 * RoundUp(TilesX, BlockChannels)) + 2);
        Weights = TransformWeights(weight, outChannels, inChannels, PaddedOut);
        Bias = new float[PaddedOut];
        bias.CopyTo(Bias);
    }

    public int OutChannels { get; }

    public int InChannels { get; }

    public int PaddedHeight { get; }

    public int PaddedWidth { get; }

    public int OutHeight { get; }

    public int OutWidth { get; }

    /// <summary>Whether a 2×2 stride-2 pool is fused (each tile is one pooled pixel).</summary>
    public bool Pooled { get; }

    /// <summary>Tile rows: pooled rows, or ⌈OH/2⌉.</summary>
    public int TilesY { get; }

    /// <summary>Tiles per row: pooled columns, or ⌈OW/2⌉.</summary>
    public int TilesX { get; }

    /// <summary>O rounded up to 16: the channels of U and of the products.</summary>
    public int PaddedOut { get; }

    /// <summary>Tile rows the kernel transforms and multiplies together (the last group of a call may be shorter).</summary>
    public int GroupRows { get; }

    /// <summary>The 16-channel blocks of the padded output channels, O' / 16: the unit of a split over channels.</summary>
    public int Blocks => PaddedOut / BlockChannels;

    /// <summary>Floats between one (position, input channel)'s transformed tiles and the next's: GroupRows·TilesX + 16.</summary>
    public int TileStride { get; }

    /// <summary>Floats of one group's transformed input V [16, C, TileStride].</summary>
    public int TransformedLength { get; }

    /// <summary>Floats of one group's products M [16, GroupRows·TilesX, O'].</summary>
    public int ProductLength { get; }

    /// <summary>Floats the kernel may read of the input buffer (the planes and the slack past them).</summary>
    public int SourceLength { get; }

    /// <summary>U [16, C, O'] = G g Gᵀ per (output, input) channel pair, computed in double.</summary>
    public float[] Weights { get; }

    /// <summary>The bias padded with zeros to O'.</summary>
    public float[] Bias { get; }

    /// <summary>
    /// Whether F(2×2, 3×3) replaces the direct single-image kernels: stride 1, 3×3, at least 32 input and 16
    /// output channels, and transformed weights of at most 4 MB (C·O ≤ 256·256), read once per group of tile rows.
    /// </summary>
    /// <remarks>
    /// Measured with <c>winograd-probe</c> (tests/LeNet.Benchmarks) on the AMD EPYC (AVX-512), one image, one
    /// thread, the kernel with groups of tile rows, direct ÷ Winograd time at 512 / 256 bits (DOTNET_EnableAVX512=0;
    /// the machine's load average was about 8–10, the two candidates alternate call by call):
    /// <list type="table">
    /// <listheader><term>layer</term><description>512 bits / 256 bits</description></listheader>
    /// <item><term>Net conv2 32→64 26×26 + max pool</term><description>1.82× / 1.72×</description></item>
    /// <item><term>ResNet-20 16→16 32×32</term><description>0.75× / 1.02× (below 32 input channels: not taken)</description></item>
    /// <item><term>ResNet-20 32→32 16×16</term><description>1.50× / 1.24×</description></item>
    /// <item><term>ResNet-20 64→64 8×8</term><description>1.73× / 2.28×</description></item>
    /// <item><term>8→16 and 4→16 28×28</term><description>0.88× / 0.86×, 0.54× / 0.55× (the transforms outweigh the short GEMMs)</description></item>
    /// <item><term>resnet18 64→64 56×56</term><description>1.95× / 2.07×</description></item>
    /// <item><term>resnet18 128→128 28×28</term><description>2.11× / 2.14×</description></item>
    /// <item><term>resnet18 256→256 14×14</term><description>2.16× / 1.80× (1 tile row at a time: 2.08× / 1.02×)</description></item>
    /// <item><term>resnet18 512→512 7×7</term><description>0.96× / 0.88× (1 tile row at a time: 0.20× / 0.12×): not taken</description></item>
    /// </list>
    /// At 512→512 7×7 the 16 MB of U are read once per image, but each U element serves only 16 tiles where each
    /// direct weight serves 49 pixels, so the layer is bound by the memory traffic for U on both ISAs.
    /// </remarks>
    public static bool Suits(int inChannels, int outChannels, int kernel, int stride, int paddedHeight, int paddedWidth) =>
        kernel == 3 && stride == 1 && inChannels >= 32 && outChannels >= 16 && (long)inChannels * outChannels <= 256 * 256 && paddedHeight >= 4 && paddedWidth >= 4;

    /// <summary>
    /// The tile rows and 16-channel blocks of part <paramref name="part"/> of <paramref name="parts"/>: contiguous tile rows
    /// when each part still gets a whole group of them; otherwise (a small map, large U: 256→256 at 14×14, 512→512 at
    /// 7×7) every tile row and a contiguous range of channel blocks, so U is read once across the parts rather than once
    /// per part (each part transforms the whole input).
    /// </summary>
    public (int FirstRow, int Rows, int FirstBlock, int BlockCount) Part(int part, int parts)
    {
        if (TilesY >= parts * GroupRows || Blocks < parts)
        {
            int first = TilesY * part / parts;
            return (first, (TilesY * (part + 1) / parts) - first, 0, Blocks);
        }

        int firstBlock = Blocks * part / parts;
        return (0, TilesY, firstBlock, (Blocks * (part + 1) / parts) - firstBlock);
    }

    /// <summary>This thread's scratch for one group of tile rows (V then M), grown on first use and kept.</summary>
    public Span<float> Scratch()
    {
        int length = TransformedLength + ProductLength;
        if (_threadScratch is null || _threadScratch.Length < length)
        {
            _threadScratch = new float[length];
        }

        return _threadScratch.AsSpan(0, length);
    }

    /// <summary>
    /// G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; U[ξ = 4r + s, c, o] = (G g[o, c] Gᵀ)[r, s].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per layer at load: optimized at its first call, not interpreted by tier 0
    private static float[] TransformWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int paddedOut)
    {
        var u = new float[Positions * inChannels * paddedOut];
        Span<double> gg = stackalloc double[12];
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                ReadOnlySpan<float> g = weight.Slice(((o * inChannels) + c) * 9, 9);
                for (int j = 0; j < 3; j++)
                {
                    double g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
                    gg[j] = g0;
                    gg[3 + j] = 0.5 * (g0 + g1 + g2);
                    gg[6 + j] = 0.5 * (g0 - g1 + g2);
                    gg[9 + j] = g2;
                }

                for (int r = 0; r < 4; r++)
                {
                    double a = gg[3 * r], b = gg[(3 * r) + 1], e = gg[(3 * r) + 2];
                    int at = (((4 * r * inChannels) + c) * paddedOut) + o, step = inChannels * paddedOut;
                    u[at] = (float)a;
                    u[at + step] = (float)(0.5 * (a + b + e));
                    u[at + (2 * step)] = (float)(0.5 * (a - b + e));
                    u[at + (3 * step)] = (float)e;
                }
            }
        }

        return u;
    }

    private static int RoundUp(int n, int m) => (n + m - 1) / m * m;
}
