using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>A pooling layer the preceding convolution could not fuse (any window and stride).</summary>
internal sealed class PoolStage(Pool2d pool, TileMap input, TileMap output, int inputIndex, int outputIndex)
    : Stage(input, output, inputIndex, outputIndex)
{
    private readonly bool _max = pool is MaxPool2d;
    private readonly int _kernel = pool.KernelSize.Height; // plain pools only: square window and stride
    private readonly int _stride = pool.Stride.Height;

    /// <summary>Max (or average) pooling, its window and stride, for the WebAssembly emitter.</summary>
    internal (bool Max, int Kernel, int Stride) Parts => (_max, _kernel, _stride);

    public override int RowLength => PoolKernel.RowLength(_kernel, _stride, OutputMap.Width);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        TileMap i = InputMap, o = OutputMap;
        ReadOnlySpan<float> input = workspace.Images[Input].AsSpan(ImageOffset(i, 0, 0, 0));
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        int inRow = i.PaddedWidth, inPlane = i.PaddedHeight * i.PaddedWidth;
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        if (_max)
        {
            PoolKernel.Planes<MaxPool>(width, input, inRow, inPlane, output, outRow, outPlane, o.Channels, _kernel, _stride, o.Height, o.Width, workspace.Row);
        }
        else
        {
            PoolKernel.Planes<AveragePool>(width, input, inRow, inPlane, output, outRow, outPlane, o.Channels, _kernel, _stride, o.Height, o.Width, workspace.Row);
        }
    }

    private void Tile<TOps, TVec>(Workspace workspace, int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        if (_max)
        {
            PoolTileKernel.Forward<TOps, TVec, MaxPool>(workspace.Tiles[Input], InputMap, workspace.Tiles[Output], OutputMap, _kernel, _stride, lane);
        }
        else
        {
            PoolTileKernel.Forward<TOps, TVec, AveragePool>(workspace.Tiles[Input], InputMap, workspace.Tiles[Output], OutputMap, _kernel, _stride, lane);
        }
    }
}
