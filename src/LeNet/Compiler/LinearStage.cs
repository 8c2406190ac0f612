using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>A dense layer with its activation fused; its input is the flattened map (C·H·W features).</summary>
internal sealed class LinearStage : Stage, IRowStage
{
    private readonly float[] _weight;
    private readonly float[] _bias;
    private readonly float[] _rowBias;

    // Each kernel's packing of the weights is made on its first use (batch tiles or single images; a plan for one
    // image never packs for the tiles), not both at build.
    private float[]? _packed;
    private float[]? _packedBias;
    private float[]? _rowPacked;
    private readonly ActivationKind _activation;
    private readonly int _in;
    private readonly int _out;

    /// <summary>Snapshots <paramref name="linear"/>'s weights, with <paramref name="norm"/> (an evaluation-mode BatchNorm1d right after it, or null) folded into them.</summary>
    public LinearStage(Linear linear, BatchNorm? norm, ActivationKind activation, TileMap input, TileMap output, int inputIndex, int outputIndex)
        : base(input, output, inputIndex, outputIndex)
    {
        _in = linear.InFeatures;
        _out = linear.OutFeatures;
        _bias = linear.Bias?.Value.ToArray() ?? new float[_out];
        _weight = norm is null ? linear.Weight.Value.ToArray() : norm.FoldedCopy(linear.Weight.Value.ReadData, _bias);
        _activation = activation;
        _rowBias = new float[DenseRowKernel.PaddedOutputs(_out)];
        _bias.CopyTo(_rowBias, 0);
    }

    /// <summary>The weights packed for the tile kernel (<see cref="LinearTileKernel"/>), made on first use.</summary>
    private float[] Packed => _packed ?? LazyInitializer.EnsureInitialized(ref _packed, () => LinearTileKernel.PackWeights(_weight, _out, _in));

    /// <summary>The bias padded to the tile kernel's packed outputs, made on first use.</summary>
    private float[] PackedBias => _packedBias ?? LazyInitializer.EnsureInitialized(ref _packedBias, () =>
    {
        var padded = new float[Packed.Length / _in];
        _bias.CopyTo(padded, 0);
        return padded;
    });

    /// <summary>The weights packed for the single-image kernel (<see cref="DenseRowKernel"/>), made on first use.</summary>
    private float[] RowPacked => _rowPacked ?? LazyInitializer.EnsureInitialized(ref _rowPacked, () => DenseRowKernel.PackWeights(_weight, _out, _in));

    /// <summary>The weights [Out, In] and bias [Out] with any BatchNorm folded in and the activation, for the WebAssembly emitter.</summary>
    internal (float[] Weight, float[] Bias, ActivationKind Activation) Parts => (_weight, _bias, _activation);

    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups) => RunTile(workspace, width, laneGroups, 0, 1);

    /// <summary>
    /// Whether a tile's dense layer has enough work to split its outputs across threads when the tile is a call's only
    /// chunk (<see cref="SplitMultiplyAdds"/> per image: fc1 of pytorch/examples' Net, 9216 → 128, but not LeNet's).
    /// </summary>
    public bool SplitsTile => (long)_in * _out >= SplitMultiplyAdds;

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of the tile's outputs (contiguous blocks of 8 outputs),
    /// each output computed as in one part.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunTile(Workspace workspace, SimdWidth width, int laneGroups, int part, int parts)
    {
        int blocks = (_out + LinearTileKernel.Block - 1) / LinearTileKernel.Block;
        int first = blocks * part / parts, end = blocks * (part + 1) / parts;

        // Without AVX-512, two vectors of images per block (LinearTileKernel.ForwardPair) need half the
        // broadcasts; with it, a broadcast is a free FMA operand and one vector per block is best.
        bool pairs = !Avx512F.IsSupported;
        for (int group = 0; group < laneGroups; group++)
        {
            int lane = group * (int)width;
            bool pair = pairs && group + 1 < laneGroups;
            switch (width)
            {
                case SimdWidth.Vector512:
                    Tile<Vector512Ops, Vector512<float>>(workspace, lane, pair, first, end);
                    break;
                case SimdWidth.Vector256:
                    Tile<Vector256Ops, Vector256<float>>(workspace, lane, pair, first, end);
                    break;
                case SimdWidth.Vector128:
                    Tile<Vector128Ops, Vector128<float>>(workspace, lane, pair, first, end);
                    break;
                default:
                    Tile<ScalarOps, float>(workspace, lane, pair, first, end);
                    break;
            }

            group += pair ? 1 : 0;
        }
    }

    public override void RunImage(Workspace workspace, SimdWidth width)
    {
        int blocks = DenseRowKernel.Blocks(_rowBias.Length);
        int parts = workspace.Split is null || (long)_in * _out < SplitMultiplyAdds ? 1 : Math.Min(ImageSplit.Threads, blocks);
        if (parts > 1)
        {
            workspace.Split!.Run(this, workspace, width, parts);
        }
        else
        {
            RunRows(workspace, width, 0, 1, default);
        }
    }

    /// <summary>
    /// Below this many multiply-adds a dense layer is not split across threads (<see cref="ImageSplit"/>). At
    /// batch 1 the layer streams its weights once: fc1 of pytorch/examples' Net (1.2 M, 4.7 MB) splits, LeNet's do not.
    /// </summary>
    private const long SplitMultiplyAdds = 256 * 1024;

    /// <summary>Output blocks [B·part/parts, B·(part+1)/parts) of the single-image dense layer (B blocks of 64 outputs).</summary>
    public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch)
    {
        int blocks = DenseRowKernel.Blocks(_rowBias.Length);
        int first = blocks * part / parts, end = blocks * (part + 1) / parts;
        switch (width)
        {
            case SimdWidth.Vector512:
                Image<Vector512Ops, Vector512<float>>(workspace, first, end);
                break;
            case SimdWidth.Vector256:
                Image<Vector256Ops, Vector256<float>>(workspace, first, end);
                break;
            case SimdWidth.Vector128:
                Image<Vector128Ops, Vector128<float>>(workspace, first, end);
                break;
            default:
                Image<ScalarOps, float>(workspace, first, end);
                break;
        }
    }

    private void Image<TOps, TVec>(Workspace workspace, int first, int end)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ReadOnlySpan<float> input = workspace.Images[Input].AsSpan(0, _in);
        Span<float> output = workspace.Images[Output];
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                DenseRowKernel.Forward<TOps, TVec, SigmoidActivation>(input, RowPacked, _rowBias, output, first, end);
                break;
            case ActivationKind.Relu:
                DenseRowKernel.Forward<TOps, TVec, ReluActivation>(input, RowPacked, _rowBias, output, first, end);
                break;
            default:
                DenseRowKernel.Forward<TOps, TVec, NoActivation>(input, RowPacked, _rowBias, output, first, end);
                break;
        }
    }

    private void Tile<TOps, TVec>(Workspace workspace, int lane, bool pair, int first, int end)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                Tile<TOps, TVec, SigmoidActivation>(workspace, lane, pair, first, end);
                break;
            case ActivationKind.Relu:
                Tile<TOps, TVec, ReluActivation>(workspace, lane, pair, first, end);
                break;
            default:
                Tile<TOps, TVec, NoActivation>(workspace, lane, pair, first, end);
                break;
        }
    }

    private void Tile<TOps, TVec, TAct>(Workspace workspace, int lane, bool pair, int first, int end)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        float[] input = workspace.Tiles[Input], output = workspace.Tiles[Output];
        if (pair)
        {
            LinearTileKernel.ForwardPair<TOps, TVec, TAct>(input, _in, Packed, PackedBias, output, _out, lane, first, end);
        }
        else
        {
            LinearTileKernel.Forward<TOps, TVec, TAct>(input, _in, Packed, PackedBias, output, _out, lane, first, end);
        }
    }
}
