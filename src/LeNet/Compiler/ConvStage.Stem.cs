using System.Runtime.Intrinsics;
using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>
/// The single-image path of a strided convolution on few input channels (a stem) by <see cref="ConvStemKernel"/>:
/// the padded input split into column phases in the workspace's columns buffer, then rows of outputs straight into
/// the padded output map; no im2col, no GEMM buffer, no copy. Both phases run in parts across the threads when the
/// image is split (rows of the input, then rows of the output): a copy, then each output's own arithmetic.
/// </summary>
internal sealed partial class ConvStage
{
    private readonly ConvStemPlan? _stem;
    private float[]? _stemPacked;
    private PhasesPhase? _phasesPhase;

    /// <summary>Whether the stage runs single images on the direct stem kernel; for the tests.</summary>
    internal bool UsesStem => _stem is not null;

    /// <summary>The weights packed in 4-channel blocks (<see cref="ConvStemKernel"/>), made on first use.</summary>
    private float[] StemPacked => _stemPacked ?? LazyInitializer.EnsureInitialized(ref _stemPacked, () => ConvStemKernel.PackWeights(_weight, _outChannels, _stem!.Offsets.Length));

    private void StemImage(Workspace workspace, SimdWidth width)
    {
        ConvStemPlan plan = _stem!;
        int split = workspace.Split is null || MultiplyAdds < SplitMultiplyAdds ? 1 : 2 * ImageSplit.Threads;
        int rows = plan.Geometry.InChannels * plan.PaddedHeight;
        if (split > 1)
        {
            workspace.Split!.Run(_phasesPhase ??= new PhasesPhase(this), workspace, width, Math.Min(split, rows));
            workspace.Split!.Run(this, workspace, width, Math.Min(split, plan.Geometry.OutHeight));
        }
        else
        {
            PhasesPart(workspace, width, 0, 1);
            StemRows(workspace, width, 0, 1);
        }
    }

    /// <summary>Input rows [C·Hp·part/parts, C·Hp·(part+1)/parts) split into their column phases.</summary>
    private void PhasesPart(Workspace workspace, SimdWidth width, int part, int parts)
    {
        ConvStemPlan plan = _stem!;
        int rows = plan.Geometry.InChannels * plan.PaddedHeight;
        int first = rows * part / parts, count = (rows * (part + 1) / parts) - first;
        switch (width)
        {
            case SimdWidth.Vector512:
                ConvStemKernel.SplitPhases<Vector512Ops, Vector512<float>>(plan, workspace.Images[Input], workspace.Columns, first, count);
                break;
            case SimdWidth.Vector256:
                ConvStemKernel.SplitPhases<Vector256Ops, Vector256<float>>(plan, workspace.Images[Input], workspace.Columns, first, count);
                break;
            case SimdWidth.Vector128:
                ConvStemKernel.SplitPhases<Vector128Ops, Vector128<float>>(plan, workspace.Images[Input], workspace.Columns, first, count);
                break;
            default:
                ConvStemKernel.SplitPhases<ScalarOps, float>(plan, workspace.Images[Input], workspace.Columns, first, count);
                break;
        }
    }

    /// <summary>Output rows [OH·part/parts, OH·(part+1)/parts) of every channel.</summary>
    private void StemRows(Workspace workspace, SimdWidth width, int part, int parts)
    {
        switch (width)
        {
            case SimdWidth.Vector512:
                StemRows<Vector512Ops, Vector512<float>>(workspace, part, parts);
                break;
            case SimdWidth.Vector256:
                StemRows<Vector256Ops, Vector256<float>>(workspace, part, parts);
                break;
            case SimdWidth.Vector128:
                StemRows<Vector128Ops, Vector128<float>>(workspace, part, parts);
                break;
            default:
                StemRows<ScalarOps, float>(workspace, part, parts);
                break;
        }
    }

    private void StemRows<TOps, TVec>(Workspace workspace, int part, int parts)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (_activation)
        {
            case ActivationKind.Sigmoid:
                StemRows<TOps, TVec, SigmoidActivation>(workspace, part, parts);
                break;
            case ActivationKind.Relu:
                StemRows<TOps, TVec, ReluActivation>(workspace, part, parts);
                break;
            case ActivationKind.Relu6:
                StemRows<TOps, TVec, Relu6Activation>(workspace, part, parts);
                break;
            case ActivationKind.Hardswish:
                StemRows<TOps, TVec, HardswishActivation>(workspace, part, parts);
                break;
            case ActivationKind.Hardsigmoid:
                StemRows<TOps, TVec, HardsigmoidActivation>(workspace, part, parts);
                break;
            default:
                StemRows<TOps, TVec, NoActivation>(workspace, part, parts);
                break;
        }
    }

    private void StemRows<TOps, TVec, TAct>(Workspace workspace, int part, int parts)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        ConvStemPlan plan = _stem!;
        int height = plan.Geometry.OutHeight;
        int first = height * part / parts, count = (height * (part + 1) / parts) - first;
        TileMap o = OutputMap;
        Span<float> output = workspace.Images[Output].AsSpan(ImageOffset(o, 0, 0, 0));
        ConvStemKernel.Rows<TOps, TVec, TAct>(plan, StemPacked, _bias, workspace.Columns, output, o.PaddedWidth, o.PaddedHeight * o.PaddedWidth, first, count);
    }

    private sealed class PhasesPhase(ConvStage stage) : IRowStage
    {
        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) => stage.PhasesPart(workspace, width, part, parts);
    }
}
