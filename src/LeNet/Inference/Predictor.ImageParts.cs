using LeNet.Compiler;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;

namespace LeNet.Inference;

/// <summary>
/// Both cores for one image, around the stages: the image's copy into the padded input map, and the last map's copy
/// out with the residual addend and ReLU, run in parts across the split's threads too, so the calling thread does no
/// serial work of a map's size between the splits of consecutive segments. Nothing is computed differently: the copy
/// moves whole channels, and the epilogue's parts start at multiples of <see cref="PartAlign"/> floats, so every
/// element takes the vector or scalar path it takes in one part.
/// </summary>
public sealed partial class Predictor
{
    /// <summary>
    /// Maps below this many floats (512 KB) are copied (and their epilogue run) on the calling thread alone. At 16 K floats
    /// the CIFAR ResNet-20's 16×32×32 maps split, and its batch-1 forward was 1–10 % slower on two threads than on one
    /// (none of its convolutions splits, and each copy in parts cost more than the 64 KB copy itself); at 128 K it takes
    /// the same time on both (AMD EPYC, <c>scaling-probe</c>). The large networks' maps still split.
    /// </summary>
    private const int SplitFloats = 128 * 1024;

    /// <summary>The epilogue's parts start at multiples of this many floats (four 512-bit vectors).</summary>
    private const int PartAlign = 64;

    private InputPhase? _inputPhase;
    private OutputPhase? _outputPhase;

    // The single image whose copy in or out runs in parts, pinned by RunImageInParts for the workers.
    private unsafe float* _partImage;
    private unsafe float* _partOutput;
    private unsafe float* _partAddend;

    /// <summary>
    /// Runs one image (the image <paramref name="index"/> of the call) with its copies in parts, when the workspace may
    /// split and the maps are large enough; false (nothing done) otherwise.
    /// </summary>
    private unsafe bool RunImageInParts(ReadOnlySpan<float> image, Span<float> output, Workspace workspace, int index)
    {
        if (workspace.Split is not { } split || (image.Length < SplitFloats && OutputLength < SplitFloats))
        {
            return false;
        }

        fixed (float* pImage = image, pOutput = output)
        {
            _partImage = pImage;
            _partOutput = pOutput;
            _partAddend = _addend is null ? null : _addend + ((long)index * OutputLength);
            try
            {
                int channels = Plan.Maps[0].Channels;
                int parts = image.Length < SplitFloats ? 1 : Math.Min(2 * ImageSplit.Threads, channels);
                if (parts > 1)
                {
                    split.Run(_inputPhase ??= new InputPhase(this), workspace, _width, parts);
                }
                else
                {
                    CopyIn(image, Plan.Maps[0], workspace.Images[0], 0, channels);
                }

                RunStages(workspace, output);

                parts = OutputLength < SplitFloats ? 1 : 2 * ImageSplit.Threads;
                if (workspace.TargetWritten && _partAddend is null)
                {
                    // The last stage wrote the output itself and there is no epilogue.
                }
                else if (parts > 1)
                {
                    split.Run(_outputPhase ??= new OutputPhase(this), workspace, _width, parts);
                }
                else
                {
                    OutputPart(workspace, 0, 1);
                }
            }
            finally
            {
                _partImage = null;
                _partOutput = null;
                _partAddend = null;
            }
        }

        return true;
    }

    /// <summary>Channels [C·part/parts, C·(part+1)/parts) of the image into the padded input map.</summary>
    private unsafe void InputPart(Workspace workspace, int part, int parts)
    {
        TileMap map = Plan.Maps[0];
        var image = new ReadOnlySpan<float>(_partImage, InputLength);
        CopyIn(image, map, workspace.Images[0], map.Channels * part / parts, map.Channels * (part + 1) / parts);
    }

    /// <summary>Part of the last map copied to the output, plus the residual addend and ReLU when there is one.</summary>
    private unsafe void OutputPart(Workspace workspace, int part, int parts)
    {
        int length = OutputLength;
        int blocks = (length + PartAlign - 1) / PartAlign;
        int start = Math.Min(length, blocks * part / parts * PartAlign), end = Math.Min(length, blocks * (part + 1) / parts * PartAlign);
        var output = new Span<float>(_partOutput + start, end - start);
        if (!workspace.TargetWritten)
        {
            workspace.Images[^1].AsSpan(start, end - start).CopyTo(output);
        }

        if (_partAddend is not null)
        {
            ResidualKernel.AddInPlace(_width, output, new ReadOnlySpan<float>(_partAddend + start, end - start), _relu);
        }
    }

    private sealed class InputPhase(Predictor predictor) : IRowStage
    {
        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) => predictor.InputPart(workspace, part, parts);
    }

    private sealed class OutputPhase(Predictor predictor) : IRowStage
    {
        public void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch) => predictor.OutputPart(workspace, part, parts);
    }
}
