using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>The single-image path of a stride-1 3×3 convolution by Winograd F(4×4, 3×3) (<see cref="WinogradF4Kernel"/>).</summary>
internal sealed partial class ConvStage
{
    /// <summary>Whether the stage runs single images by Winograd F(4×4, 3×3); for the tests.</summary>
    internal bool UsesWinogradF4 => _winogradF4 is not null;

    /// <summary>One image by F(4×4, 3×3): its tile rows split across the threads (one part each, so each part's passes over U serve as many tiles as they can).</summary>
    private void WinogradF4Image(Workspace workspace, SimdWidth width)
    {
        int split = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : Math.Min(ImageSplit.Threads, _winogradF4!.TilesY);
        if (split > 1)
        {
            workspace.Split!.Run(this, workspace, width, split);
        }
        else
        {
            RunRows(workspace, width, 0, 1, workspace.Row);
        }
    }

    /// <summary>Tile rows [TilesY·part/parts, TilesY·(part+1)/parts) of the F(4×4) convolution; each output is the same bits whatever the parts.</summary>
    private void WinogradF4Rows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> lanes)
    {
        int rows = _winogradF4!.TilesY;
        int first = rows * part / parts, count = (rows * (part + 1) / parts) - first;
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradF4Rows<Vector512Ops, Vector512<float>>(workspace, first, count, lanes);
                break;
            case SimdWidth.Vector256:
                WinogradF4Rows<Vector256Ops, Vector256<float>>(workspace, first, count, lanes);
                break;
            case SimdWidth.Vector128:
                WinogradF4Rows<Vector128Ops, Vector128<float>>(workspace, first, count, lanes);
                break;
            default:
                WinogradF4Rows<ScalarOps, float>(workspace, first, count, lanes);
                break;
        }
    }

    private void WinogradF4Rows<TOps, TVec>(Workspace workspace, int first, int count, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                WinogradF4Rows<TOps, TVec, SigmoidActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Relu:
                WinogradF4Rows<TOps, TVec, ReluActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Relu6:
                WinogradF4Rows<TOps, TVec, Relu6Activation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Hardswish:
                WinogradF4Rows<TOps, TVec, HardswishActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Hardsigmoid:
                WinogradF4Rows<TOps, TVec, HardsigmoidActivation>(workspace, first, count, lanes);
                break;
            default:
                WinogradF4Rows<TOps, TVec, NoActivation>(workspace, first, count, lanes);
                break;
        }
    }

    private void WinogradF4Rows<TOps, TVec, TAct>(Workspace workspace, int first, int count, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        WinogradF4Plan plan = _winogradF4!;
        TileMap o = OutputMap;
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        if (_pool is AvgPool2d)
        {
            WinogradF4Kernel.Rows<TOps, TVec, TAct, AveragePool>(plan, workspace.Images[Input], first, count, output, outRow, outPlane, plan.Scratch(), lanes);
        }
        else
        {
            WinogradF4Kernel.Rows<TOps, TVec, TAct, MaxPool>(plan, workspace.Images[Input], first, count, output, outRow, outPlane, plan.Scratch(), lanes);
        }
    }
}
