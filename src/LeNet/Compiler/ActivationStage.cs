using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>An activation no convolution or dense layer could fuse: applied in place to the map's interior (the zero padding stays zero).</summary>
internal sealed class ActivationStage(ActivationKind activation, TileMap map, int index)
    : Stage(map, map, index, index)
{
    /// <summary>The activation, for the WebAssembly emitter.</summary>
    internal ActivationKind Activation => activation;

    public override void RunTile(Workspace workspace, SimdWidth width, int laneGroups) =>
        Run(workspace.Tiles[Input], width, TileMap.Lanes, laneGroups * (int)width);

    public override void RunImage(Workspace workspace, SimdWidth width) =>
        Run(workspace.Images[Input], width, 1, 1);

    /// <summary>Each element of the interior is <paramref name="stride"/> floats apart; the first <paramref name="count"/> of them are transformed.</summary>
    private void Run(Span<float> buffer, SimdWidth width, int stride, int count)
    {
        switch (width)
        {
            case SimdWidth.Vector512 when count % 16 == 0:
                Run<Vector512Ops, Vector512<float>>(buffer, stride, count);
                break;
            case SimdWidth.Vector256 when count % 8 == 0:
                Run<Vector256Ops, Vector256<float>>(buffer, stride, count);
                break;
            case SimdWidth.Vector128 when count % 4 == 0:
                Run<Vector128Ops, Vector128<float>>(buffer, stride, count);
                break;
            default:
                Run<ScalarOps, float>(buffer, stride, count);
                break;
        }
    }

    private void Run<TOps, TVec>(Span<float> buffer, int stride, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (activation)
        {
            case ActivationKind.Sigmoid:
                Run<TOps, TVec, SigmoidActivation>(buffer, stride, count);
                break;
            case ActivationKind.Relu:
                Run<TOps, TVec, ReluActivation>(buffer, stride, count);
                break;
            case ActivationKind.Relu6:
                Run<TOps, TVec, Relu6Activation>(buffer, stride, count);
                break;
            case ActivationKind.Hardswish:
                Run<TOps, TVec, HardswishActivation>(buffer, stride, count);
                break;
            case ActivationKind.Hardsigmoid:
                Run<TOps, TVec, HardsigmoidActivation>(buffer, stride, count);
                break;
            default:
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<TOps, TVec, TAct>(Span<float> buffer, int stride, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        TileMap map = InputMap;
        ref float b = ref MemoryMarshal.GetReference(buffer);
        for (int c = 0; c < map.Channels; c++)
        {
            for (int y = 0; y < map.Height; y++)
            {
                for (int x = 0; x < map.Width; x++)
                {
                    ref float element = ref Unsafe.Add(ref b, ImageOffset(map, c, y, x) * stride);
                    for (int lane = 0; lane < count; lane += TOps.Count)
                    {
                        TOps.Store(TAct.Apply<TOps, TVec>(TOps.Load(ref element, lane)), ref element, lane);
                    }
                }
            }
        }
    }
}
