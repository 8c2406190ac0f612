using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// The common part of the 2-D padding layers (<see cref="ZeroPad2d"/>, <see cref="ConstantPad2d"/>,
/// <see cref="ReflectionPad2d"/>, <see cref="ReplicationPad2d"/>): pads the last two dimensions of an
/// <c>[N, C, H, W]</c> or <c>[C, H, W]</c> input by (left, right, top, bottom), PyTorch's order.
/// </summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c> (or without N).</remarks>
public abstract class Pad2d : Layer
{
    private int[]? _inputShape;
    private int[] _outputShape = [];

    /// <summary>Only the library's layers derive from this class.</summary>
    private protected Pad2d((int Left, int Right, int Top, int Bottom) padding, string layer)
    {
        foreach ((int size, string side) in new[] { (padding.Left, "left"), (padding.Right, "right"), (padding.Top, "top"), (padding.Bottom, "bottom") })
        {
            if (size < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(padding), size, $"{layer}: padding must not be negative (cropping is not supported), got {side} = {size}.");
            }
        }

        Padding = padding;
    }

    /// <summary>The padding (left, right, top, bottom), PyTorch's order.</summary>
    public (int Left, int Right, int Top, int Bottom) Padding { get; }

    /// <summary>How the border is filled.</summary>
    private protected abstract PadMode Mode { get; }

    /// <summary>The constant of <see cref="PadMode.Constant"/>.</summary>
    private protected virtual float FillValue => 0f;

    /// <inheritdoc/>
    /// <remarks><c>[N, C, H, W] → [N, C, top + H + bottom, left + W + right]</c>, or the same without N.</remarks>
    public sealed override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length is not (3 or 4))
        {
            LayerGuard.Throw(this, $"expected a rank-4 input [N, C, H, W] or a rank-3 input [C, H, W], got rank {inputShape.Length} {Tensor.FormatShape(inputShape)}");
        }

        LayerGuard.Positive(inputShape, this);
        int h = inputShape[^2], w = inputShape[^1];
        if (Mode == PadMode.Reflect && (Padding.Left >= w || Padding.Right >= w || Padding.Top >= h || Padding.Bottom >= h))
        {
            LayerGuard.Throw(this, $"padding size should be less than the corresponding input dimension, but got padding (left, right) = ({Padding.Left}, {Padding.Right}) for width {w} and (top, bottom) = ({Padding.Top}, {Padding.Bottom}) for height {h} (input {Tensor.FormatShape(inputShape)})");
        }

        int[] output = inputShape.ToArray();
        output[^2] = Padding.Top + h + Padding.Bottom;
        output[^1] = Padding.Left + w + Padding.Right;
        return output;
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [N, C, H, W] → output [N, C, top + H + bottom, left + W + right]</c>.</remarks>
    protected sealed override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outputShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outputShape);
        (int planes, int h, int w) = Planes(input.Shape);
        Pad2dKernel.Forward(input.AsSpan(), output.AsSpan(), planes, h, w, Padding, Mode, FillValue);
        if (KeepsForBackward)
        {
            (_inputShape, _outputShape) = (input.Shape.ToArray(), outputShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [N, C, H', W'] → input gradient [N, C, H, W]</c>: each input position receives the sum of the
    /// gradients of the output positions that copied it (the border's for reflect and replicate; none for a constant).
    /// </remarks>
    public sealed override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_inputShape, outputGradient, _outputShape);
        Tensor inputGradient = InputGradientTensor(_inputShape);
        (int planes, int h, int w) = Planes(_inputShape);
        Pad2dKernel.Backward(outputGradient.AsSpan(), inputGradient.AsSpan(), planes, h, w, Padding, Mode);
        return inputGradient;
    }

    private static (int Planes, int H, int W) Planes(ReadOnlySpan<int> shape) => ((int)(Product(shape) / (shape[^2] * shape[^1])), shape[^2], shape[^1]);

    /// <summary>The padding as PyTorch prints it: <c>(1, 2, 0, 3)</c>.</summary>
    private protected string FormatPadding() => $"({Padding.Left}, {Padding.Right}, {Padding.Top}, {Padding.Bottom})";

    /// <remarks>
    /// ONNX Pad (opset 13) with mode constant, reflect or edge; pads is an int64 input [begin of each dimension…, end
    /// of each…], the constant a float input.
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        int rank = inputShape.Length;
        long[] pads = new long[2 * rank];
        (pads[rank - 2], pads[rank - 1], pads[(2 * rank) - 2], pads[(2 * rank) - 1]) = (Padding.Top, Padding.Left, Padding.Bottom, Padding.Right);
        string x = graph.Current;
        string padsName = graph.AddInt64Initializer(prefix + "pads", [2 * rank], pads);
        if (Mode == PadMode.Constant)
        {
            string value = graph.AddInitializer(prefix + "value", Tensor.FromArray([FillValue]));
            graph.AddNode("Pad", prefix, x, padsName, value).String("mode", "constant");
        }
        else
        {
            graph.AddNode("Pad", prefix, x, padsName).String("mode", Mode == PadMode.Reflect ? "reflect" : "edge");
        }
    }
}
