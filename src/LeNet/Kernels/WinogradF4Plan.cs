using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// A stride-1 3×3 convolution prepared for <see cref="WinogradF4Kernel"/> (F(4×4, 3×3)): the weights transformed
/// once (U = G g Gᵀ, [36, C, O'] with O' the output channels padded to 16), the bias padded to O', the tile grid,
/// how many tile rows one pass over U covers and the scratch a pass needs. Read-only once built; shared by every image.
/// </summary>
/// <remarks>
/// Each output tile is a 4×4 block of output pixels, made from the 6×6 input patch at four times its position.
/// Without a pool, ⌈OH/4⌉ × ⌈OW/4⌉ tiles cover the output; with a fused 2×2 stride-2 pool each tile holds 2×2 pool
/// windows and ⌈PH/2⌉ × ⌈PW/2⌉ tiles cover the pooled output (PH = ⌊OH/2⌋). Pixels past the edge are not stored.
/// </remarks>
internal sealed class WinogradF4Plan
{
    /// <summary>The 6×6 positions of a transformed tile.</summary>
    public const int Positions = 36;

    /// <summary>A pass multiplies at least this many tiles per read of U (all of them when the image has fewer).</summary>
    public const int PassTiles = 32;

    [ThreadStatic]
    private static float[]? _threadScratch;

    /// <summary>
    /// Builds the plan of a convolution over planes [C, Hp, Wp] (its padding already in them) with
    /// weight [O, C, 3, 3] and bias [O]; <paramref name="pooled"/> when a 2×2 stride-2 pool is fused.
    /// </summary>
    public WinogradF4Plan(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int inChannels, int paddedHeight, int paddedWidth, bool pooled)
    {
        OutChannels = outChannels;
        InChannels = inChannels;
        PaddedHeight = paddedHeight;
        PaddedWidth = paddedWidth;
        OutHeight = paddedHeight - 2;
        OutWidth = paddedWidth - 2;
        Pooled = pooled;

        // The output rows and columns the tiles must produce: pooled, the pool windows' pixels only.
        StoredHeight = pooled ? OutHeight / 2 * 2 : OutHeight;
        StoredWidth = pooled ? OutWidth / 2 * 2 : OutWidth;
        TilesY = (StoredHeight + 3) / 4;
        TilesX = (StoredWidth + 3) / 4;
        PaddedOut = ConvChannelsKernel.PaddedChannels(outChannels);
        RowsPerPass = Math.Max(1, Math.Min(TilesY, (PassTiles + TilesX - 1) / TilesX));

        // The input rows are split into 4 phases (columns 4t + p), whole vectors of tiles at a time, for tiles
        // 0 … TilesX (the last tile's patch reaches into tile TilesX's first two columns).
        PhaseTiles = RoundUp(TilesX + 1, ConvChannelsKernel.ChannelAlign);
        StagedWidth = 4 * PhaseTiles;

        // A tile whose 6×6 patch reaches past the planes' rows or columns reads a zero-filled copy instead (see the kernel).
        OverhangsColumns = (4 * TilesX) + 2 > paddedWidth;
        int lastRow = ((inChannels - 1) * paddedHeight * paddedWidth) + (((4 * (TilesY - 1)) + 5) * paddedWidth);
        SourceLength = Math.Max(inChannels * paddedHeight * paddedWidth, lastRow + StagedWidth);
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

    /// <summary>Whether a 2×2 stride-2 pool is fused (each tile holds 2×2 pooled pixels).</summary>
    public bool Pooled { get; }

    /// <summary>Output rows the tiles store (before the pool): OH, or 2·⌊OH/2⌋ when pooled.</summary>
    public int StoredHeight { get; }

    /// <summary>Output columns the tiles store (before the pool).</summary>
    public int StoredWidth { get; }

    /// <summary>Tile rows: ⌈StoredHeight/4⌉.</summary>
    public int TilesY { get; }

    /// <summary>Tiles per row: ⌈StoredWidth/4⌉.</summary>
    public int TilesX { get; }

    /// <summary>Tile rows transformed and multiplied together, so each read of U serves at least <see cref="PassTiles"/> tiles.</summary>
    public int RowsPerPass { get; }

    /// <summary>O rounded up to 16: the channels of U and of the products.</summary>
    public int PaddedOut { get; }

    /// <summary>Tiles of one phase row: TilesX + 1 rounded up to 16.</summary>
    public int PhaseTiles { get; }

    /// <summary>Input columns a tile row's transform reads from each row (4·PhaseTiles), the width of the zero-filled copy of an overhanging tile row.</summary>
    public int StagedWidth { get; }

    /// <summary>Floats between one phase row and the next in the scratch (PhaseTiles + 16: the column pass reads one tile further).</summary>
    public int PhaseStride => PhaseTiles + ConvChannelsKernel.ChannelAlign;

    /// <summary>Floats between V's rows (one position and input channel): a pass's tiles and room for a last vector's overhang.</summary>
    public int TileStride => TilesPerPass + ConvChannelsKernel.ChannelAlign;

    /// <summary>Whether the last tile column's patch reaches past the padded width.</summary>
    public bool OverhangsColumns { get; }

    /// <summary>Floats the kernel may read of the input buffer (the planes and the slack past them).</summary>
    public int SourceLength { get; }

    /// <summary>Tiles in one pass.</summary>
    public int TilesPerPass => RowsPerPass * TilesX;

    /// <summary>Floats of one pass's transformed input V [36, C, TileStride].</summary>
    public int TransformedLength => Positions * InChannels * TileStride;

    /// <summary>Floats of one pass's products M [36, TilesPerPass, O'].</summary>
    public int ProductLength => Positions * TilesPerPass * PaddedOut;

    /// <summary>Floats of one channel's phases and row-transformed phases (each [6, 4, PhaseStride]) and staged rows [6, StagedWidth].</summary>
    public int RowLength => (2 * 24 * PhaseStride) + (6 * StagedWidth);

    /// <summary>U [36, C, O'] = G g Gᵀ per (output, input) channel pair, computed in double.</summary>
    public float[] Weights { get; }

    /// <summary>The bias padded with zeros to O'.</summary>
    public float[] Bias { get; }

    /// <summary>
    /// Whether F(4×4, 3×3) replaces the direct kernels and F(2×2, 3×3) for this layer: stride 1, 3×3, at least 64
    /// output channels, transformed weights of at most 2.4 MB (C·O ≤ 128·128), an output of at least 24×24, and at
    /// least 64 input channels, or 32 with a fused 2×2 pool. The same rule on both ISAs: the measurements below agree
    /// on every layer's choice.
    /// </summary>
    /// <remarks>
    /// Measured with <c>winograd-f4-probe</c> (tests/LeNet.Benchmarks) after the F(2×2) kernel's row groups landed, one
    /// image, one thread pinned to a core, alternating calls, the 10th percentile, on a quiet 2-core AMD EPYC (load
    /// 1.5–2.4), 2026-12-07: direct ÷ F(4×4) and F(2×2) ÷ F(4×4) time at 512 / 256 bits. Taken: Net's conv2 32→64 26×26
    /// max-pooled 2.06× / 1.99× and 1.17× / 1.20×; 64→64 56×56 2.08× / 2.27× and 1.07× / 1.08×; 128→128 28×28 2.20× /
    /// 2.15× and 1.08× / 1.08×. Not taken, F(2×2) ÷ F(4×4): 256→256 14×14 0.74× / 0.85× (9.4 MB of U for 16 tiles);
    /// squeezenet1_1's expand 32→128 27×27 0.92× / 1.00× (K = 32 is short against the larger output transform unless a
    /// pool shrinks it), 48→192 and 64→256 13×13 0.51–0.59× (16 tiles cover 16×16 for 13×13); 64→64 8×8 1.17× / 1.00×
    /// alone, but ResNet-20's batch-1 and 16×2 Forward measured 3–8 % slower with it (2 tile rows of 2 tiles fill half
    /// of the 4-tile GEMM blocks and split poorly over 2 threads); 32→32 16×16 0.65× / 0.74×; 16→16 32×32 0.17× / 0.21×
    /// of direct; 512→512 7×7 0.52× / 0.44× of direct.
    /// </remarks>
    public static bool Suits(int inChannels, int outChannels, int kernel, int stride, int paddedHeight, int paddedWidth, bool pooled) =>
        kernel == 3 && stride == 1 && (inChannels >= 64 || (pooled && inChannels >= 32)) && outChannels >= 64
        && (long)inChannels * outChannels <= 128 * 128 && paddedHeight >= 26 && paddedWidth >= 26;

    /// <summary>This thread's scratch for one pass (V, M, then one channel's transformed row), grown on first use and kept.</summary>
    public Span<float> Scratch()
    {
        int length = TransformedLength + ProductLength + RowLength;
        if (_threadScratch is null || _threadScratch.Length < length)
        {
            _threadScratch = new float[length];
        }

        return _threadScratch.AsSpan(0, length);
    }

    /// <summary>G, 6×3, of the points 0, ±1, ±2 and ∞.</summary>
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    /// <summary>U[ξ = 6r + s, c, o] = (G g[o, c] Gᵀ)[r, s], in double then rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // runs once per layer at load: optimized at its first call, not interpreted by tier 0
    private static float[] TransformWeights(ReadOnlySpan<float> weight, int outChannels, int inChannels, int paddedOut)
    {
        var u = new float[Positions * inChannels * paddedOut];
        Span<double> gg = stackalloc double[18];
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                ReadOnlySpan<float> g = weight.Slice(((o * inChannels) + c) * 9, 9);

                // (G g)[r, j], 6×3.
                for (int r = 0; r < 6; r++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        gg[(3 * r) + j] = (G[r, 0] * g[j]) + (G[r, 1] * g[3 + j]) + (G[r, 2] * g[6 + j]);
                    }
                }

                for (int r = 0; r < 6; r++)
                {
                    for (int s = 0; s < 6; s++)
                    {
                        double value = (gg[3 * r] * G[s, 0]) + (gg[(3 * r) + 1] * G[s, 1]) + (gg[(3 * r) + 2] * G[s, 2]);
                        u[(((((6 * r) + s) * inChannels) + c) * paddedOut) + o] = (float)value;
                    }
                }
            }
        }

        return u;
    }

    private static int RoundUp(int n, int m) => (n + m - 1) / m * m;
}
