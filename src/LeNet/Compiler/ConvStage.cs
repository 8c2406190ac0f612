using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>A convolution with its activation and, when a 2×2 stride-2 pool follows, that pool fused into its epilogue.</summary>
internal sealed partial class ConvStage : Stage, IRowStage
{
    private readonly ConvImagePlan _plan;
    private readonly float[] _weight;
    private readonly float[] _bias;
    private readonly ActivationKind _activation;
    private readonly Pool2d? _pool;
    private readonly int _kernel;
    private readonly int _stride;
    private readonly float[] _channelsBias;
    private readonly float[] _gemmBias;
    private readonly int _outChannels;
    private readonly int _inChannels;

    // Each kernel's packing of the weights is made on its first use (a stage runs one or two of them: the tile kernel
    // for whole tiles, and Winograd, the GEMM or the channel kernel for single images), not all of them at build.
    private float[]? _packed;
    private float[]? _channelsPacked;
    private float[]? _gemmPacked;
    private readonly WinogradPlan? _winograd;
    private readonly WinogradF4Plan? _winogradF4;

    /// <summary>
    /// Snapshots <paramref name="conv"/>'s weights, with <paramref name="norm"/> (an evaluation-mode
    /// BatchNorm2d right after the convolution, or null) folded into them; <paramref name="pool"/> is a
    /// 2×2, stride-2 pool after the activation, or null.
    /// </summary>
    public ConvStage(Conv2d conv, BatchNorm? norm, ActivationKind activation, Pool2d? pool, TileMap input, TileMap output, int inputIndex, int outputIndex, ConvImagePlan plan)
        : base(input, output, inputIndex, outputIndex)
    {
        _plan = plan;
        _bias = conv.Bias?.Value.ToArray() ?? new float[conv.OutChannels];
        _weight = norm is null ? conv.Weight.Value.ToArray() : norm.FoldedCopy(conv.Weight.Value.ReadData, _bias);
        _activation = activation;
        _pool = pool;
        _kernel = conv.Kernel;
        _stride = conv.Step;
        _outChannels = conv.OutChannels;
        _inChannels = conv.InChannels;
        _channelsBias = new float[ConvChannelsKernel.PaddedChannels(conv.OutChannels)];
        _bias.CopyTo(_channelsBias, 0);
        _gemmBias = ConvGemmPacking.PackBias(_bias, conv.OutChannels);
        ConvGeometry g = plan.Geometry;
        if (WinogradF4Plan.Suits(g.InChannels, g.OutChannels, g.Kernel, g.Stride, plan.PaddedHeight, plan.PaddedWidth, pooled: pool is not null))
        {
            _winogradF4 = new WinogradF4Plan(_weight, _bias, g.OutChannels, g.InChannels, plan.PaddedHeight, plan.PaddedWidth, pooled: pool is not null);
        }
        else if (WinogradPlan.Suits(g.InChannels, g.OutChannels, g.Kernel, g.Stride, plan.PaddedHeight, plan.PaddedWidth))
        {
            _winograd = new WinogradPlan(_weight, _bias, g.OutChannels, g.InChannels, plan.PaddedHeight, plan.PaddedWidth, pooled: pool is not null);
        }
        else if (pool is null && ConvStemPlan.Suits(g))
        {
            _stem = new ConvStemPlan(g);
        }
    }

    /// <summary>The weights packed for the tile kernel (<see cref="ConvTileKernel"/>), made on first use.</summary>
    private float[] Packed => _packed ?? LazyInitializer.EnsureInitialized(ref _packed, () => ConvTileKernel.PackWeights(_weight, _outChannels, _inChannels, _kernel));

    /// <summary>The weights packed for the channel-vectorized kernel (<see cref="ConvChannelsKernel"/>), made on first use.</summary>
    private float[] ChannelsPacked => _channelsPacked ?? LazyInitializer.EnsureInitialized(ref _channelsPacked, () => ConvChannelsKernel.PackWeights(_weight, _outChannels, _inChannels, _kernel));

    /// <summary>The weights packed in GEMM panels (<see cref="ConvGemmPacking"/>), made on first use.</summary>
    private float[] GemmPacked => _gemmPacked ?? LazyInitializer.EnsureInitialized(ref _gemmPacked, () => ConvGemmPacking.PackWeights(_weight, _outChannels, _plan.Offsets.Length));

    /// <summary>Which packings have been made (tile, channels, GEMM); for the tests.</summary>
    internal (bool Tile, bool Channels, bool Gemm) Packings => (_packed is not null, _channelsPacked is not null, _gemmPacked is not null);

    /// <summary>Whether the stage runs single images by Winograd F(2×2, 3×3); for the tests.</summary>
    internal bool UsesWinograd => _winograd is not null;

    public override int SourceLength => Math.Max(_plan.SourceLength, Math.Max(_winograd?.SourceLength ?? 0, _winogradF4?.SourceLength ?? 0));

    /// <summary>The geometry, the weights [O, I, k, k] and bias [O] with any BatchNorm folded in, the activation and the fused pool (null for none), for the WebAssembly emitter.</summary>
    internal (ConvGeometry Geometry, float[] Weight, float[] Bias, ActivationKind Activation, Pool2d? Pool) Parts => (_plan.Geometry, _weight, _bias, _activation, _pool);

    public override int GemmLength => _stem is not null ? 0 : Math.Max(_plan.OutputLength, ConvGemmKernel.OutputLength(_plan.Geometry.OutChannels, _plan.Pixels));

    public override int ColumnsLength => _stem?.PhasesLength ?? _plan.ColumnsLength;

    public override int RowLength => PoolKernel.RowLength(2, 2, Math.Max(1, _plan.Geometry.OutWidth / 2));

    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Tile<Vector512Ops, Vector512<float>>(workspace, laneGroups);
                break;
            case SimdWidth.Vector256:
                Tile<Vector256Ops, Vector256<float>>(workspace, laneGroups);
                break;
            case SimdWidth.Vector128:
                Tile<Vector128Ops, Vector128<float>>(workspace, laneGroups);
                break;
            default:
                Tile<ScalarOps, float>(workspace, laneGroups);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void RunImage(Workspace workspace, SimdWidth width)
    {
        ConvGeometry g = _plan.Geometry;
        if (_stem is not null)
        {
            StemImage(workspace, width);
            return;
        }

        if (_winogradF4 is not null)
        {
            WinogradF4Image(workspace, width);
            return;
        }

        if (_winograd is not null)
        {
            // Winograd F(2×2, 3×3): split its tile rows across the threads like the channel kernel's pooled rows.
            int tileRows = _winograd.TilesY;
            int split = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : Math.Min(2 * ImageSplit.Threads, tileRows);
            if (split > 1)
            {
                workspace.Split!.Run(this, workspace, width, split);
            }
            else
            {
                RunRows(workspace, width, 0, 1, workspace.Row);
            }

            return;
        }

        if (_pool is not null && VectorizeOverChannels(width))
        {
            // Two parts per thread: a helper that starts late (a busy machine) still takes its share of what is left.
            int parts = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : Math.Min(2 * ImageSplit.Threads, OutputMap.Height);
            if (parts > 1)
            {
                workspace.Split!.Run(this, workspace, width, parts);
            }
            else
            {
                RunRows(workspace, width, 0, 1, workspace.Row);
            }

            return;
        }

        if (_pool is not null && !_plan.UsesColumns)
        {
            switch (width)
            {
                case SimdWidth.Vector512:
                    PooledPixels<Vector512Ops, Vector512<float>>(workspace);
                    break;
                case SimdWidth.Vector256:
                    PooledPixels<Vector256Ops, Vector256<float>>(workspace);
                    break;
                case SimdWidth.Vector128:
                    PooledPixels<Vector128Ops, Vector128<float>>(workspace);
                    break;
                default:
                    PooledPixels<ScalarOps, float>(workspace);
                    break;
            }

            return;
        }

        // Both cores for one image: parts of the pixel blocks (or of the channel panels), the same bits as one part.
        int gemmParts = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : 2 * ImageSplit.Threads;
        if (_plan.UsesColumns)
        {
            Columns(workspace, width, gemmParts > 1);
        }

        if (gemmParts > 1)
        {
            workspace.Split!.Run(this, workspace, width, gemmParts);
        }
        else
        {
            RunGemm(workspace, width, 0, 1);
        }

        TileMap o = OutputMap;
        Span<float> output = workspace.Images[Output];
        if (_pool is null)
        {
            if (!WritesMap)
            {
                CopyOut(workspace, width, gemmParts > 1);
            }
            else if (WritesTarget(workspace))
            {
                workspace.TargetWritten = true;
            }

            return;
        }

        Span<float> interior = output[ImageOffset(o, 0, 0, 0)..];
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        if (_pool is MaxPool2d)
        {
            PoolKernel.Planes<MaxPool>(width, workspace.Gemm, _plan.RowStride, _plan.Pixels, interior, outRow, outPlane, g.OutChannels, 2, 2, o.Height, o.Width, workspace.Row);
        }
        else
        {
            PoolKernel.Planes<AveragePool>(width, workspace.Gemm, _plan.RowStride, _plan.Pixels, interior, outRow, outPlane, g.OutChannels, 2, 2, o.Height, o.Width, workspace.Row);
        }
    }

    /// <summary>
    /// Below this many multiply-adds per image a convolution is not split across threads (<see cref="ImageSplit"/>): each
    /// part must outweigh the helper's start and the wait for the slower part by far. At 1 M, the CIFAR ResNet-20's
    /// 2.36 M-multiply-add 3×3 layers split: at batch 1 on 2 threads (AMD EPYC, AVX-512, other work on the machine)
    /// its forward took 1076–1118 µs against 929–950 µs with this threshold and 880–949 µs with no split at all, the
    /// 64→64 8×8 Winograd layers (split over channel blocks, each part transforming the whole input) 1.4–1.7× slower.
    /// </summary>
    private const long SplitMultiplyAdds = 2_500_000;

    private long MultiplyAdds
    {
        get
        {
            ConvGeometry g = _plan.Geometry;
            return (long)g.OutChannels * g.OutHeight * g.OutWidth * g.InChannels * g.Kernel * g.Kernel;
        }
    }

    /// <summary>
    /// The channel-vectorized, pooled convolution of pooled rows [H·part/parts, H·(part+1)/parts); on the
    /// GEMM path, part of the GEMM's pixel blocks or channel panels (<see cref="ConvGemmKernel"/>).
    /// </summary>
    public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch)
    {
        if (_winogradF4 is not null)
        {
            WinogradF4Rows(workspace, width, part, parts, scratch);
            return;
        }

        if (_winograd is not null)
        {
            WinogradRows(workspace, width, part, parts, scratch);
            return;
        }

        if (_stem is not null)
        {
            StemRows(workspace, width, part, parts);
            return;
        }

        if (_pool is null || !VectorizeOverChannels(width))
        {
            RunGemm(workspace, width, part, parts);
            return;
        }

        int height = OutputMap.Height;
        int first = height * part / parts, count = (height * (part + 1) / parts) - first;
        switch (width)
        {
            case SimdWidth.Vector512:
                Channels<Vector512Ops, Vector512<float>>(workspace, first, count, scratch);
                break;
            case SimdWidth.Vector256:
                Channels<Vector256Ops, Vector256<float>>(workspace, first, count, scratch);
                break;
            case SimdWidth.Vector128:
                Channels<Vector128Ops, Vector128<float>>(workspace, first, count, scratch);
                break;
            default:
                Channels<ScalarOps, float>(workspace, first, count, scratch);
                break;
        }
    }

    /// <summary>
    /// Whether the GEMM writes the output map itself (<see cref="ConvGemmKernel"/>'s direct destination): no pool, an
    /// unpadded map, and GEMM rows that are the map's rows (a 1×1 stride-1 convolution without padding, or im2col).
    /// </summary>
    internal bool WritesMap => _pool is null && OutputMap.Pad == 0 && _plan.RowStride == _plan.Geometry.OutWidth;

    /// <summary>The output map: the caller's output itself when this stage writes the last map and the predictor gave it (<see cref="Workspace.Target"/>).</summary>
    private unsafe Span<float> MapOf(Workspace workspace) =>
        WritesTarget(workspace) ? new Span<float>(workspace.Target, workspace.TargetLength) : workspace.Images[Output];

    /// <summary>Whether this stage writes the last map while the predictor offers its output (<see cref="Workspace.Target"/>, set for the last stage only).</summary>
    private unsafe bool WritesTarget(Workspace workspace) => Output == workspace.Images.Length - 1 && workspace.Target is not null;

    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of the image's GEMM into the output map (<see cref="WritesMap"/>) or the workspace's GEMM buffer [O, pixels].</summary>
    private void RunGemm(Workspace workspace, SimdWidth width, int part, int parts)
    {
        ReadOnlySpan<float> source = _plan.UsesColumns ? workspace.Columns : workspace.Images[Input];
        ConvGeometry g = _plan.Geometry;

        // No map (an empty span, no channels) sends every output to the GEMM buffer.
        bool direct = WritesMap;
        Span<float> map = direct ? MapOf(workspace) : default;
        int channels = direct ? g.OutChannels : 0, valid = direct ? g.OutHeight * g.OutWidth : 0;
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                ConvGemmKernel.Run<SigmoidActivation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
            case ActivationKind.Relu:
                ConvGemmKernel.Run<ReluActivation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
            case ActivationKind.Relu6:
                ConvGemmKernel.Run<Relu6Activation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
            case ActivationKind.Hardswish:
                ConvGemmKernel.Run<HardswishActivation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
            case ActivationKind.Hardsigmoid:
                ConvGemmKernel.Run<HardsigmoidActivation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
            default:
                ConvGemmKernel.Run<NoActivation>(width, GemmPacked, _gemmBias, _plan.Offsets, source, workspace.Gemm, _plan.Pixels, part, parts, map, channels, valid);
                break;
        }
    }

    /// <summary>
    /// A single image fills more lanes vectorized over output channels than over output pixels when the
    /// channels fill the vectors better than the output rows fill the padded rows (LeNet's conv2: 16 of
    /// 16 lanes against 10 of 14 columns; conv1: 6 of 8 or 16 lanes against 28 of 32 columns).
    /// </summary>
    private bool VectorizeOverChannels(SimdWidth width)
    {
        ConvGeometry g = _plan.Geometry;
        int lanes = (int)width;
        double channels = g.OutChannels / (double)((g.OutChannels + lanes - 1) / lanes * lanes);
        double pixels = g.OutWidth / (double)_plan.RowStride;
        return channels > pixels;
    }

    private void PooledPixels<TOps, TVec>(Workspace workspace)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                PooledPixels<TOps, TVec, SigmoidActivation>(workspace);
                break;
            case ActivationKind.Relu:
                PooledPixels<TOps, TVec, ReluActivation>(workspace);
                break;
            case ActivationKind.Relu6:
                PooledPixels<TOps, TVec, Relu6Activation>(workspace);
                break;
            case ActivationKind.Hardswish:
                PooledPixels<TOps, TVec, HardswishActivation>(workspace);
                break;
            case ActivationKind.Hardsigmoid:
                PooledPixels<TOps, TVec, HardsigmoidActivation>(workspace);
                break;
            default:
                PooledPixels<TOps, TVec, NoActivation>(workspace);
                break;
        }
    }

    private void PooledPixels<TOps, TVec, TAct>(Workspace workspace)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        TileMap o = OutputMap;
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        if (_pool is MaxPool2d)
        {
            ConvImageKernel.Pooled<TOps, TVec, TAct, MaxPool>(_weight, _bias, _plan.Offsets, workspace.Images[Input], _plan.RowStride, output, outRow, outPlane, o.Height, o.Width, workspace.Row);
        }
        else
        {
            ConvImageKernel.Pooled<TOps, TVec, TAct, AveragePool>(_weight, _bias, _plan.Offsets, workspace.Images[Input], _plan.RowStride, output, outRow, outPlane, o.Height, o.Width, workspace.Row);
        }
    }

    private void Channels<TOps, TVec>(Workspace workspace, int first, int count, Span<float> scratch)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                Channels<TOps, TVec, SigmoidActivation>(workspace, first, count, scratch);
                break;
            case ActivationKind.Relu:
                Channels<TOps, TVec, ReluActivation>(workspace, first, count, scratch);
                break;
            case ActivationKind.Relu6:
                Channels<TOps, TVec, Relu6Activation>(workspace, first, count, scratch);
                break;
            case ActivationKind.Hardswish:
                Channels<TOps, TVec, HardswishActivation>(workspace, first, count, scratch);
                break;
            case ActivationKind.Hardsigmoid:
                Channels<TOps, TVec, HardsigmoidActivation>(workspace, first, count, scratch);
                break;
            default:
                Channels<TOps, TVec, NoActivation>(workspace, first, count, scratch);
                break;
        }
    }

    /// <summary>Pooled rows [first, first + count): the kernel sees the input from their first window's row and the output from their first row.</summary>
    private void Channels<TOps, TVec, TAct>(Workspace workspace, int first, int count, Span<float> scratch)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        ConvGeometry g = _plan.Geometry;
        TileMap o = OutputMap;
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, first, 0));
        ReadOnlySpan<float> input = workspace.Images[Input].AsSpan(2 * first * _stride * _plan.PaddedWidth);
        if (_pool is MaxPool2d)
        {
            ConvChannelsKernel.Pooled<TOps, TVec, TAct, MaxPool>(input, _plan.PaddedHeight, _plan.PaddedWidth, g.InChannels, _kernel, _stride, ChannelsPacked, _channelsBias, g.OutChannels, count, o.Width, output, outRow, outPlane, scratch);
        }
        else
        {
            ConvChannelsKernel.Pooled<TOps, TVec, TAct, AveragePool>(input, _plan.PaddedHeight, _plan.PaddedWidth, g.InChannels, _kernel, _stride, ChannelsPacked, _channelsBias, g.OutChannels, count, o.Width, output, outRow, outPlane, scratch);
        }
    }

    private void Tile<TOps, TVec>(Workspace workspace, int laneGroups)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                Tile<TOps, TVec, SigmoidActivation>(workspace, laneGroups);
                break;
            case ActivationKind.Relu:
                Tile<TOps, TVec, ReluActivation>(workspace, laneGroups);
                break;
            case ActivationKind.Relu6:
                Tile<TOps, TVec, Relu6Activation>(workspace, laneGroups);
                break;
            case ActivationKind.Hardswish:
                Tile<TOps, TVec, HardswishActivation>(workspace, laneGroups);
                break;
            case ActivationKind.Hardsigmoid:
                Tile<TOps, TVec, HardsigmoidActivation>(workspace, laneGroups);
                break;
            default:
                Tile<TOps, TVec, NoActivation>(workspace, laneGroups);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Tile<TOps, TVec, TAct>(Workspace workspace, int laneGroups)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        float[] input = workspace.Tiles[Input], output = workspace.Tiles[Output];
        for (int group = 0; group < laneGroups; group++)
        {
            int lane = group * TOps.Count;
            if (_pool is null)
            {
                ConvTileKernel.Plain<TOps, TVec, TAct>(input, InputMap, Packed, _bias, output, OutputMap, _kernel, _stride, lane);
            }
            else if (_pool is MaxPool2d)
            {
                ConvTileKernel.Pooled<TOps, TVec, TAct, MaxPool>(input, InputMap, Packed, _bias, output, OutputMap, _kernel, _stride, lane);
            }
            else
            {
                ConvTileKernel.Pooled<TOps, TVec, TAct, AveragePool>(input, InputMap, Packed, _bias, output, OutputMap, _kernel, _stride, lane);
            }
        }
    }
}
