using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// 2-D adaptive average pooling, like <c>torch.nn.AdaptiveAvgPool2d(output_size)</c>: the output has a
/// fixed size whatever the input's; output cell (i, j) averages input rows
/// <c>[⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉)</c> and columns <c>[⌊j·W/OW⌋, ⌈(j+1)·W/OW⌉)</c>.
/// </summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, OH, OW]</c>.</remarks>
public sealed class AdaptiveAvgPool2d : Layer
{
    private Tensor? _input;
    private int[] _outputShape = [];

    /// <summary>Creates the layer with a square output.</summary>
    /// <param name="outputSize">Height and width of the output.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public AdaptiveAvgPool2d(int outputSize)
        : this((outputSize, outputSize))
    {
    }

    /// <summary>Creates the layer with an output of (height, width), like <c>nn.AdaptiveAvgPool2d((2, 3))</c>.</summary>
    /// <param name="outputSize">Height and width of the output.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    public AdaptiveAvgPool2d((int Height, int Width) outputSize)
    {
        LayerGuard.AtLeast(Math.Min(outputSize.Height, outputSize.Width), 1, nameof(AdaptiveAvgPool2d), nameof(outputSize));
        OutputSize = outputSize;
    }

    /// <summary>Height and width of the output.</summary>
    public (int Height, int Width) OutputSize { get; }

    /// <inheritdoc/>
    public override string Name => nameof(AdaptiveAvgPool2d);

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, OH, OW]</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Rank(inputShape, 4, "[N, C, H, W]", this);
        return [inputShape[0], inputShape[1], OutputSize.Height, OutputSize.Width];
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, H, W] → output [N, C, OH, OW]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outShape);
        AdaptivePoolKernel.Forward(input.Data, output.Data, outShape[0] * outShape[1], input.Shape[2], input.Shape[3], OutputSize.Height, OutputSize.Width);
        if (KeepsForBackward)
        {
            (_input, _outputShape) = (input, outShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [N, C, OH, OW] → input gradient [N, C, H, W]</c>.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_input, outputGradient, _outputShape);
        Tensor inputGradient = InputGradientTensor(_input.Shape);
        AdaptivePoolKernel.Backward(outputGradient.Data, inputGradient.Data, _outputShape[0] * _outputShape[1], _input.Shape[2], _input.Shape[3], OutputSize.Height, OutputSize.Width);
        return inputGradient;
    }

    /// <remarks>GlobalAveragePool for a 1×1 output; AveragePool (kernel = stride = H/OH, W/OW) when the sizes divide; otherwise no ONNX operator matches.</remarks>
    /// <inheritdoc/>
    /// <remarks>To 1×1 (global average pooling), a stage of its own (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        if (OutputSize != (1, 1) || compiler.Flat)
        {
            return false;
        }

        compiler.Add(new GlobalAvgPoolStageSpec(), [1, compiler.Channels, 1, 1]);
        return true;
    }

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (OutputSize == (1, 1))
        {
            graph.AddLayerNode("GlobalAveragePool", this, prefix);
            return;
        }

        int height = inputShape[2], width = inputShape[3];
        if (height % OutputSize.Height != 0 || width % OutputSize.Width != 0)
        {
            OnnxGraph.ThrowUnsupported(this, prefix, $"cannot be exported for a {height}×{width} input: ONNX has no adaptive pooling, and only an output size that divides the input size ({OutputSize.Height}×{OutputSize.Width} here) maps to AveragePool (or a 1×1 output to GlobalAveragePool)");
        }

        int kh = height / OutputSize.Height, kw = width / OutputSize.Width;
        graph.AddLayerNode("AveragePool", this, prefix)
            .Ints("kernel_shape", kh, kw)
            .Ints("pads", 0, 0, 0, 0)
            .Ints("strides", kh, kw);
    }

    /// <summary>The short form used in messages: <c>AdaptiveAvgPool2d(1)</c> or <c>AdaptiveAvgPool2d((2, 3))</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() =>
        OutputSize.Height == OutputSize.Width ? $"AdaptiveAvgPool2d({OutputSize.Height})" : $"AdaptiveAvgPool2d(({OutputSize.Height}, {OutputSize.Width}))";
}
