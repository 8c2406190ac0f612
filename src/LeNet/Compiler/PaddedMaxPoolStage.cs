using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>A max pool with padding: each window clipped to the image (<see cref="PaddedMaxPoolKernel"/>).</summary>
internal sealed class PaddedMaxPoolStage(int kernel, int stride, int pad, TileMap input, TileMap output, int inputIndex, int outputIndex)
    : Stage(input, output, inputIndex, outputIndex)
{
    /// <summary>One input row of window maxima.</summary>
    public override int RowLength => InputMap.Width;

    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups)
    {
        for (int group = 0; group < laneGroups; group++)
        {
            int lane = group * (int)width;
            float[] i = workspace.Tiles[Input], o = workspace.Tiles[Output];
            switch (width)
            {
                case SimdWidth.Vector512:
                    PaddedMaxPoolKernel.Tile<Vector512Ops, Vector512<float>>(i, InputMap, o, OutputMap, kernel, stride, pad, lane);
                    break;
                case SimdWidth.Vector256:
                    PaddedMaxPoolKernel.Tile<Vector256Ops, Vector256<float>>(i, InputMap, o, OutputMap, kernel, stride, pad, lane);
                    break;
                case SimdWidth.Vector128:
                    PaddedMaxPoolKernel.Tile<Vector128Ops, Vector128<float>>(i, InputMap, o, OutputMap, kernel, stride, pad, lane);
                    break;
                default:
                    PaddedMaxPoolKernel.Tile<ScalarOps, float>(i, InputMap, o, OutputMap, kernel, stride, pad, lane);
                    break;
            }
        }
    }

    public override void RunImage(Workspace workspace, SimdWidth width)
    {
        TileMap i = InputMap, o = OutputMap;
        ReadOnlySpan<float> source = workspace.Images[Input].AsSpan(ImageOffset(i, 0, 0, 0));
        Span<float> target = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        int inRow = i.PaddedWidth, inPlane = i.PaddedHeight * i.PaddedWidth, outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        switch (width)
        {
            case SimdWidth.Vector512:
                PaddedMaxPoolKernel.Image<Vector512Ops, Vector512<float>>(source, inRow, inPlane, i.Height, i.Width, target, outRow, outPlane, o.Height, o.Width, o.Channels, kernel, stride, pad, workspace.Row);
                break;
            case SimdWidth.Vector256:
                PaddedMaxPoolKernel.Image<Vector256Ops, Vector256<float>>(source, inRow, inPlane, i.Height, i.Width, target, outRow, outPlane, o.Height, o.Width, o.Channels, kernel, stride, pad, workspace.Row);
                break;
            case SimdWidth.Vector128:
                PaddedMaxPoolKernel.Image<Vector128Ops, Vector128<float>>(source, inRow, inPlane, i.Height, i.Width, target, outRow, outPlane, o.Height, o.Width, o.Channels, kernel, stride, pad, workspace.Row);
                break;
            default:
                PaddedMaxPoolKernel.Image<ScalarOps, float>(source, inRow, inPlane, i.Height, i.Width, target, outRow, outPlane, o.Height, o.Width, o.Channels, kernel, stride, pad, workspace.Row);
                break;
        }
    }
}
