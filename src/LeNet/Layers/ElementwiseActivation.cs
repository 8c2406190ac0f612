namespace LeNet.Layers;

/// <summary>
/// The common part of the element-wise activations (<see cref="Tanh"/>, <see cref="LeakyReLU"/>, <see cref="ELU"/>,
/// <see cref="SELU"/>, <see cref="Softplus"/>, <see cref="Softsign"/>, <see cref="ReLU6"/>, <see cref="Hardsigmoid"/>,
/// <see cref="Hardswish"/>, <see cref="SiLU"/>, <see cref="GELU"/>): the output has the input's shape, a
/// training-mode Forward keeps its input and output for Backward, and the work is split across threads in
/// ranges of elements.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public abstract class ElementwiseActivation : Layer
{
    private Tensor? _input;
    private Tensor? _output;

    /// <summary>Only the library's activations derive from this class.</summary>
    private protected ElementwiseActivation()
    {
    }

    /// <inheritdoc/>
    public sealed override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>; the input is not modified.</remarks>
    protected sealed override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        Tensor output = OutputTensor(input.Shape);
        float[] x = input.Data, y = output.Data;
        Parallelism.ForRanges(x.Length, Parallelism.ElementwiseRange, (start, count) => Apply(x.AsSpan(start, count), y.AsSpan(start, count)));
        if (KeepsForBackward)
        {
            (_input, _output) = (input, output);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [any shape] → input gradient [same shape]</c>: dX = dY · f′(x).</remarks>
    public sealed override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_input, outputGradient, _input is null ? default : _input.Shape);
        Tensor inputGradient = InputGradientTensor(_input.Shape);
        float[] x = _input.Data, y = _output!.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        Parallelism.ForRanges(x.Length, Parallelism.ElementwiseRange, (start, count) =>
            Differentiate(x.AsSpan(start, count), y.AsSpan(start, count), dy.AsSpan(start, count), dx.AsSpan(start, count)));
        return inputGradient;
    }

    /// <summary>y = f(x) over one range.</summary>
    private protected abstract void Apply(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dx = dy · f′(x) over one range, given the forward's input x and output y.</summary>
    private protected abstract void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>Formats a float argument as PyTorch's repr does (0.01, 1.0, 20.0).</summary>
    private protected static string Format(float value)
    {
        string text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') || text.Contains("Infinity") || text.Contains("NaN") ? text : text + ".0";
    }
}
