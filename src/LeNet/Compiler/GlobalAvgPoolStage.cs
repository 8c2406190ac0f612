using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>Global average pooling: each channel's plane → its mean, a [C, 1, 1] map (<see cref="GlobalAvgPoolKernel"/>).</summary>
internal sealed class GlobalAvgPoolStage(TileMap input, TileMap output, int inputIndex, int outputIndex)
    : Stage(input, output, inputIndex, outputIndex)
{
    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups)
    {
        for (int group = 0; group < laneGroups; group++)
        {
            int lane = group * (int)width;
            float[] i = workspace.Tiles[Input], o = workspace.Tiles[Output];
            switch (width)
            {
                case SimdWidth.Vector512:
                    GlobalAvgPoolKernel.Tile<Vector512Ops, Vector512<float>>(i, InputMap, o, OutputMap, lane);
                    break;
                case SimdWidth.Vector256:
                    GlobalAvgPoolKernel.Tile<Vector256Ops, Vector256<float>>(i, InputMap, o, OutputMap, lane);
                    break;
                case SimdWidth.Vector128:
                    GlobalAvgPoolKernel.Tile<Vector128Ops, Vector128<float>>(i, InputMap, o, OutputMap, lane);
                    break;
                default:
                    GlobalAvgPoolKernel.Tile<ScalarOps, float>(i, InputMap, o, OutputMap, lane);
                    break;
            }
        }
    }

    public override void RunImage(Workspace workspace, SimdWidth width)
    {
        TileMap i = InputMap, o = OutputMap;
        GlobalAvgPoolKernel.Image(
            workspace.Images[Input].AsSpan(ImageOffset(i, 0, 0, 0)), i.PaddedWidth, i.PaddedHeight * i.PaddedWidth, i.Height, i.Width,
            workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0)), o.PaddedHeight * o.PaddedWidth, o.Channels);
    }
}
