using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Compiler;

/// <summary>
/// Both cores for one image, around a split GEMM: the im2col gather before it and the copy of its result into the
/// padded output map after it run in parts of input (output) channels too, so the calling thread does no serial
/// work of this stage's size between splits. Each part gathers or copies whole channels; nothing is computed, so the
/// bits are those of one part.
/// </summary>
internal sealed partial class ConvStage
{
    private ColumnsPhase? _columnsPhase;
    private CopyPhase? _copyPhase;

    /// <summary>The im2col columns of input channels [C·part/parts, C·(part+1)/parts): tap rows (c·k + i)·k + j of those channels.</summary>
    private void ColumnsPart(Workspace workspace, int part, int parts)
    {
        ConvGeometry g = _plan.Geometry;
        int first = g.InChannels * part / parts, channels = (g.InChannels * (part + 1) / parts) - first;
        int plane = _plan.PaddedHeight * _plan.PaddedWidth;
        var window = new ConvWindow(1, channels, _plan.PaddedHeight, _plan.PaddedWidth, 1, g.Kernel, g.Kernel, g.Stride, g.Stride, 0, 0, 1, 1, g.OutHeight, g.OutWidth);
        window.Im2Col(workspace.Images[Input].AsSpan(first * plane), workspace.Columns.AsSpan(first * g.Kernel * g.Kernel * _plan.Pixels), _plan.Pixels);
    }

    /// <summary>The GEMM's output channels [O·part/parts, O·(part+1)/parts), row by row, into the padded output map.</summary>
    private void CopyPart(Workspace workspace, int part, int parts)
    {
        ConvGeometry g = _plan.Geometry;
        TileMap o = OutputMap;
        Span<float> output = workspace.Images[Output];
        int first = g.OutChannels * part / parts, end = g.OutChannels * (part + 1) / parts;
        PlaneCopyKernel.Planes(
            workspace.Gemm.AsSpan(first * _plan.Pixels), _plan.RowStride, _plan.Pixels,
            output[ImageOffset(o, first, 0, 0)..], o.PaddedWidth, o.PaddedHeight * o.PaddedWidth, end - first, g.OutHeight, g.OutWidth);
    }

    /// <summary>Gathers the im2col columns: in parts across the threads when <paramref name="split"/> (the GEMM after it is split).</summary>
    private void Columns(Workspace workspace, SimdWidth width, bool split)
    {
        int parts = split ? Math.Min(2 * ImageSplit.Threads, _plan.Geometry.InChannels) : 1;
        if (parts > 1)
        {
            workspace.Split!.Run(_columnsPhase ??= new ColumnsPhase(this), workspace, width, parts);
        }
        else
        {
            ColumnsPart(workspace, 0, 1);
        }
    }

    /// <summary>Copies the GEMM's result into the output map: in parts across the threads when <paramref name="split"/>.</summary>
    private void CopyOut(Workspace workspace, SimdWidth width, bool split)
    {
        int parts = split ? Math.Min(2 * ImageSplit.Threads, _plan.Geometry.OutChannels) : 1;
        if (parts > 1)
        {
            workspace.Split!.Run(_copyPhase ??= new CopyPhase(this), workspace, width, parts);
        }
        else
        {
            CopyPart(workspace, 0, 1);
        }
    }

    private sealed class ColumnsPhase(ConvStage stage) : IRowStage
    {
        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) => stage.ColumnsPart(workspace, part, parts);
    }

    private sealed class CopyPhase(ConvStage stage) : IRowStage
    {
        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) => stage.CopyPart(workspace, part, parts);
    }
}
