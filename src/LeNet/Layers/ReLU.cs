using System.Numerics;
using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>The rectifier max(0, x), element-wise, like <c>torch.nn.ReLU()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class ReLU : Layer
{
    private Tensor? _output;

    /// <inheritdoc/>
    public override string Name => nameof(ReLU);

    /// <inheritdoc/>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    public override Tensor Forward(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        Tensor output = OutputTensor(input.Shape);
        float[] x = input.Data, y = output.Data;
        Parallelism.ForRanges(x.Length, Parallelism.ElementwiseRange, (start, count) => TensorPrimitives.Max(x.AsSpan(start, count), 0f, y.AsSpan(start, count)));
        if (IsTraining)
        {
            _output = output;
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [any shape] → input gradient [same shape]</c>: dX = dY where the output was
    /// positive, else 0 (PyTorch's convention at x = 0).
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_output, outputGradient, _output is null ? default : _output.Shape);
        Tensor inputGradient = InputGradientTensor(_output.Shape);
        float[] y = _output.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        Parallelism.ForRanges(y.Length, Parallelism.ElementwiseRange, (start, count) => Mask(y.AsSpan(start, count), dy.AsSpan(start, count), dx.AsSpan(start, count)));
        return inputGradient;
    }

    /// <summary>dx = dy where y &gt; 0, else 0.</summary>
    private static void Mask(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        for (; i + Vector<float>.Count <= y.Length; i += Vector<float>.Count)
        {
            var positive = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
            Vector.ConditionalSelect(positive, new Vector<float>(dy[i..]), Vector<float>.Zero).CopyTo(dx[i..]);
        }

        for (; i < y.Length; i++)
        {
            dx[i] = y[i] > 0f ? dy[i] : 0f;
        }
    }

    /// <summary>Returns <c>ReLU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "ReLU()";

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Relu", this, prefix);
}
