using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Inference;

/// <summary>A dense layer with its activation fused; its input is the flattened map (C·H·W features).</summary>
internal sealed class LinearStage : Stage
{
    private readonly float[] _weight;
    private readonly float[] _bias;
    private readonly float[] _packed;
    private readonly float[] _packedBias;
    private readonly float[] _rowPacked;
    private readonly float[] _rowBias;
    private readonly ActivationKind _activation;
    private readonly int _in;
    private readonly int _out;

    public LinearStage(Linear linear, ActivationKind activation, TileMap input, TileMap output, int inputIndex, int outputIndex)
        : base(input, output, inputIndex, outputIndex)
    {
        _in = linear.InFeatures;
        _out = linear.OutFeatures;
        _weight = linear.Weight.Value.ToArray();
        _bias = linear.Bias?.Value.ToArray() ?? new float[_out];
        _packed = LinearTileKernel.PackWeights(_weight, _out, _in);
        _packedBias = new float[(_packed.Length / _in)];
        _bias.CopyTo(_packedBias, 0);
        _activation = activation;
        _rowPacked = DenseRowKernel.PackWeights(_weight, _out, _in);
        _rowBias = new float[DenseRowKernel.PaddedOutputs(_out)];
        _bias.CopyTo(_rowBias, 0);
    }

    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups)
    {
        for (int group = 0; group < laneGroups; group++)
        {
            int lane = group * (int)width;
            switch (width)
            {
                case SimdWidth.Vector512:
                    Tile<Vector512Ops, Vector512<float>>(workspace, lane);
                    break;
                case SimdWidth.Vector256:
                    Tile<Vector256Ops, Vector256<float>>(workspace, lane);
                    break;
                case SimdWidth.Vector128:
                    Tile<Vector128Ops, Vector128<float>>(workspace, lane);
                    break;
                default:
                    Tile<ScalarOps, float>(workspace, lane);
                    break;
            }
        }
    }

    public override void RunImage(Workspace workspace, SimdWidth width)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                Image<Vector512Ops, Vector512<float>>(workspace);
                break;
            case SimdWidth.Vector256:
                Image<Vector256Ops, Vector256<float>>(workspace);
                break;
            case SimdWidth.Vector128:
                Image<Vector128Ops, Vector128<float>>(workspace);
                break;
            default:
                Image<ScalarOps, float>(workspace);
                break;
        }
    }

    /// <summary>One image: vectorized over the outputs; the output map's buffer has room for the padded outputs.</summary>
    private void Image<TOps, TVec>(Workspace workspace)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ReadOnlySpan<float> input = workspace.Images[Input].AsSpan(0, _in);
        Span<float> output = workspace.Images[Output];
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                DenseRowKernel.Forward<TOps, TVec, SigmoidActivation>(input, _rowPacked, _rowBias, output);
                break;
            case ActivationKind.Relu:
                DenseRowKernel.Forward<TOps, TVec, ReluActivation>(input, _rowPacked, _rowBias, output);
                break;
            default:
                DenseRowKernel.Forward<TOps, TVec, Identity>(input, _rowPacked, _rowBias, output);
                break;
        }
    }

    private void Tile<TOps, TVec>(Workspace workspace, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        float[] input = workspace.Tiles[Input], output = workspace.Tiles[Output];
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                LinearTileKernel.Forward<TOps, TVec, SigmoidActivation>(input, _in, _packed, _packedBias, output, _out, lane);
                break;
            case ActivationKind.Relu:
                LinearTileKernel.Forward<TOps, TVec, ReluActivation>(input, _in, _packed, _packedBias, output, _out, lane);
                break;
            default:
                LinearTileKernel.Forward<TOps, TVec, Identity>(input, _in, _packed, _packedBias, output, _out, lane);
                break;
        }
    }
}
