using System.Numerics;
using System.Numerics.Tensors;

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
        TensorPrimitives.Max(input.AsSpan(), 0f, output.AsSpan());
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
        ReadOnlySpan<float> y = _output.AsSpan();
        ReadOnlySpan<float> dy = outputGradient.AsSpan();
        Span<float> dx = inputGradient.AsSpan();
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

        return inputGradient;
    }

    /// <summary>Returns <c>ReLU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "ReLU()";
}
