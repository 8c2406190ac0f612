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
    /// <summary>Part <paramref name="part"/> of <paramref name="parts"/> of the Winograd convolution: a range of its tile rows or of its output channels (<see cref="WinogradPlan.Part"/>).</summary>
    private void WinogradRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> lanes)
    {
        (int first, int count, int firstBlock, int blocks) = _winograd!.Part(part, parts);
        var range = new WinogradRange(first, count, firstBlock, blocks);
        switch (width)
        {
            case SimdWidth.Vector512:
                WinogradRows<Vector512Ops, Vector512<float>>(workspace, range, lanes);
                break;
            case SimdWidth.Vector256:
                WinogradRows<Vector256Ops, Vector256<float>>(workspace, range, lanes);
                break;
            case SimdWidth.Vector128:
                WinogradRows<Vector128Ops, Vector128<float>>(workspace, range, lanes);
                break;
            default:
                WinogradRows<ScalarOps, float>(workspace, range, lanes);
                break;
        }
    }

    private void WinogradRows<TOps, TVec>(Workspace workspace, WinogradRange range, Span<float> lanes)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                WinogradRows<TOps, TVec, SigmoidActivation>(workspace, range, lanes);
                break;
            case ActivationKind.Relu:
                WinogradRows<TOps, TVec, ReluActivation>(workspace, range, lanes);
                break;
            case ActivationKind.Relu6:
                WinogradRows<TOps, TVec, Relu6Activation>(workspace, range, lanes);
                break;
            case ActivationKind.Hardswish:
                WinogradRows<TOps, TVec, HardswishActivation>(workspace, range, lanes);
                break;
            case ActivationKind.Hardsigmoid:
                WinogradRows<TOps, TVec, HardsigmoidActivation>(workspace, range, lanes);
                break;
            default:
                WinogradRows<TOps, TVec, NoActivation>(workspace, range, lanes);
                break;
        }
    }

    private void WinogradRows<TOps, TVec, TAct>(Workspace workspace, WinogradRange range, Span<float> lanes)
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
            WinogradKernel.Rows<TOps, TVec, TAct, AveragePool>(plan, workspace.Images[Input], range.FirstRow, range.Rows, range.FirstBlock, range.Blocks, output, outRow, outPlane, plan.Scratch(), lanes);
        }
        else
        {
            WinogradKernel.Rows<TOps, TVec, TAct, MaxPool>(plan, workspace.Images[Input], range.FirstRow, range.Rows, range.FirstBlock, range.Blocks, output, outRow, outPlane, plan.Scratch(), lanes);
        }
    }

    /// <summary>The tile rows and 16-channel output blocks one part computes.</summary>
    private readonly record struct WinogradRange(int FirstRow, int Rows, int FirstBlock, int Blocks);
}
