using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Layers;

namespace LeNet.Compiler;

/// <summary>The single-image path of a stride-1 3×3 convolution by Winograd F(2×2, 3×3) (<see cref="WinogradKernel"/>).</summary>
internal sealed partial class ConvStage
{
    /// <summary>Tile rows [TilesY·part/parts, TilesY·(part+1)/parts) of the Winograd convolution.</summary>
    private void WinogradRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> lanes)
    {
        int rows = _winograd!.TilesY;
        int first = rows * part / parts, count = (rows * (part + 1) / parts) - first;
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradRows<Vector512Ops, Vector512<float>>(workspace, first, count, lanes);
                break;
            case SimdWidth.Vector256:
                WinogradRows<Vector256Ops, Vector256<float>>(workspace, first, count, lanes);
                break;
            case SimdWidth.Vector128:
                WinogradRows<Vector128Ops, Vector128<float>>(workspace, first, count, lanes);
                break;
            default:
                WinogradRows<ScalarOps, float>(workspace, first, count, lanes);
                break;
        }
    }

    private void WinogradRows<TOps, TVec>(Workspace workspace, int first, int count, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                WinogradRows<TOps, TVec, SigmoidActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Relu:
                WinogradRows<TOps, TVec, ReluActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Relu6:
                WinogradRows<TOps, TVec, Relu6Activation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Hardswish:
                WinogradRows<TOps, TVec, HardswishActivation>(workspace, first, count, lanes);
                break;
            case ActivationKind.Hardsigmoid:
                WinogradRows<TOps, TVec, HardsigmoidActivation>(workspace, first, count, lanes);
                break;
            default:
                WinogradRows<TOps, TVec, NoActivation>(workspace, first, count, lanes);
                break;
        }
    }

    private void WinogradRows<TOps, TVec, TAct>(Workspace workspace, int first, int count, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        WinogradPlan plan = _winograd!;
        TileMap o = OutputMap;
        int outRow = o.PaddedWidth, outPlane = o.PaddedHeight * o.PaddedWidth;
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        if (_pool is AvgPool2d)
        {
            WinogradKernel.Rows<TOps, TVec, TAct, AveragePool>(plan, workspace.Images[Input], first, count, output, outRow, outPlane, plan.Scratch(), lanes);
        }
        else
        {
            WinogradKernel.Rows<TOps, TVec, TAct, MaxPool>(plan, workspace.Images[Input], first, count, output, outRow, outPlane, plan.Scratch(), lanes);
        }
    }
}
