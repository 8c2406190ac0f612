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
        ReadOnlySpan<float> input = workspace.Images[Input].AsSpan(0, _in);
        Span<float> output = workspace.Images[Output].AsSpan(0, _out);
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                LinearKernel.Rows<SigmoidActivation>(width, input, _weight, _bias, output, 1, _in, _out);
                break;
            case ActivationKind.Relu:
                LinearKernel.Rows<ReluActivation>(width, input, _weight, _bias, output, 1, _in, _out);
                break;
            default:
                LinearKernel.Rows<Identity>(width, input, _weight, _bias, output, 1, _in, _out);
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
