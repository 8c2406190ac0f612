using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>
/// A depthwise convolution (MobileNet's 3×3, any k, stride and dilation) with its folded BatchNorm and activation:
/// <see cref="DepthwiseConv2dKernel"/> on one image, <see cref="DepthwiseConvTileKernel"/> on a tile. A single
/// image with enough work splits its output channels across the threads (<see cref="ImageSplit"/>).
/// </summary>
internal sealed class DepthwiseConvStage : Stage, IRowStage
{
    /// <summary>
    /// Below this many multiply-adds per image the stage is not split across threads: waking the helper costs a few
    /// microseconds, and a depthwise layer runs at memory speed (mobilenet_v2's smallest, 960 channels of 7×7, is 0.4 M).
    /// </summary>
    private const long SplitMultiplyAdds = 200_000;

    private readonly float[] _weight;
    private readonly float[] _bias;
    private readonly ActivationKind _activation;
    private readonly int _multiplier;
    private readonly int _kernel;
    private readonly int _stride;
    private readonly int _dilation;

    /// <summary>Snapshots <paramref name="conv"/>'s weights [O, 1, k, k] and bias, with <paramref name="norm"/> (or null) folded in.</summary>
    public DepthwiseConvStage(Conv2d conv, BatchNorm? norm, ActivationKind activation, TileMap input, TileMap output, int inputIndex, int outputIndex)
        : base(input, output, inputIndex, outputIndex)
    {
        _weight = conv.Weight.Value.ToArray();
        _bias = conv.Bias?.Value.ToArray() ?? new float[conv.OutChannels];
        norm?.FoldInto(_weight, _bias);
        _activation = activation;
        _multiplier = conv.OutChannels / conv.InChannels;
        _kernel = conv.KernelSize.Height;
        _stride = conv.Stride.Height;
        _dilation = conv.Dilation.Height;
    }

    /// <summary>The input image plus the stride-2 loads' overrun.</summary>
    public override int SourceLength => (InputMap.Channels * InputMap.PaddedHeight * InputMap.PaddedWidth) + DepthwiseConv2dKernel.Slack;

    private long MultiplyAdds => (long)OutputMap.Channels * OutputMap.Height * OutputMap.Width * _kernel * _kernel;

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
        int parts = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : Math.Min(2 * ImageSplit.Threads, OutputMap.Channels);
        if (parts > 1)
        {
            workspace.Split!.Run(this, workspace, width, parts);
        }
        else
        {
            RunRows(workspace, width, 0, 1, default);
        }
    }

    /// <summary>Output channels [C·part/parts, C·(part+1)/parts): each channel's outputs are computed as on one thread.</summary>
    public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch)
    {
        int channels = OutputMap.Channels;
        int first = channels * part / parts, count = (channels * (part + 1) / parts) - first;
        switch (width)
        {
            case SimdWidth.Vector512:
                Image<Vector512Ops, Vector512<float>>(workspace, first, count);
                break;
            case SimdWidth.Vector256:
                Image<Vector256Ops, Vector256<float>>(workspace, first, count);
                break;
            case SimdWidth.Vector128:
                Image<Vector128Ops, Vector128<float>>(workspace, first, count);
                break;
            default:
                Image<ScalarOps, float>(workspace, first, count);
                break;
        }
    }

    private void Image<TOps, TVec>(Workspace workspace, int first, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                Image<TOps, TVec, SigmoidActivation>(workspace, first, count);
                break;
            case ActivationKind.Relu:
                Image<TOps, TVec, ReluActivation>(workspace, first, count);
                break;
            case ActivationKind.Relu6:
                Image<TOps, TVec, Relu6Activation>(workspace, first, count);
                break;
            case ActivationKind.Hardswish:
                Image<TOps, TVec, HardswishActivation>(workspace, first, count);
                break;
            case ActivationKind.Hardsigmoid:
                Image<TOps, TVec, HardsigmoidActivation>(workspace, first, count);
                break;
            default:
                Image<TOps, TVec, NoActivation>(workspace, first, count);
                break;
        }
    }

    private void Image<TOps, TVec, TAct>(Workspace workspace, int first, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        TileMap i = InputMap, o = OutputMap;
        DepthwiseConv2dKernel.Image<TOps, TVec, TAct>(
            workspace.Images[Input], i.PaddedWidth, i.PaddedHeight * i.PaddedWidth, _weight, _bias, _multiplier, _kernel, _stride, _dilation,
            workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0)), o.PaddedWidth, o.PaddedHeight * o.PaddedWidth, o.Height, o.Width, first, count);
    }

    private void Tile<TOps, TVec>(Workspace workspace, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                Tile<TOps, TVec, SigmoidActivation>(workspace, lane);
                break;
            case ActivationKind.Relu:
                Tile<TOps, TVec, ReluActivation>(workspace, lane);
                break;
            case ActivationKind.Relu6:
                Tile<TOps, TVec, Relu6Activation>(workspace, lane);
                break;
            case ActivationKind.Hardswish:
                Tile<TOps, TVec, HardswishActivation>(workspace, lane);
                break;
            case ActivationKind.Hardsigmoid:
                Tile<TOps, TVec, HardsigmoidActivation>(workspace, lane);
                break;
            default:
                Tile<TOps, TVec, NoActivation>(workspace, lane);
                break;
        }
    }

    private void Tile<TOps, TVec, TAct>(Workspace workspace, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation =>
        DepthwiseConvTileKernel.Forward<TOps, TVec, TAct>(
            workspace.Tiles[Input], InputMap, _weight, _bias, workspace.Tiles[Output], OutputMap, _multiplier, _kernel, _stride, _dilation, lane);
}
