using System.Diagnostics.CodeAnalysis;

namespace LeNet.Layers;

/// <summary>
/// The common part of the library's layers: the training/evaluation switch, <see cref="ZeroGrad"/>, and
/// the checks that guard <see cref="Backward"/>. Derive from it to write a layer of your own.
/// </summary>
public abstract class Layer : ILayer
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public bool IsTraining { get; private set; } = true;

    /// <inheritdoc/>
    public virtual void Train(bool mode = true) => IsTraining = mode;

    /// <inheritdoc/>
    public void Eval() => Train(false);

    /// <inheritdoc/>
    public abstract Tensor Forward(Tensor input);

    /// <inheritdoc/>
    public abstract Tensor Backward(Tensor outputGradient);

    /// <inheritdoc/>
    public abstract int[] GetOutputShape(ReadOnlySpan<int> inputShape);

    /// <inheritdoc/>
    public virtual IEnumerable<(string Name, Parameter Parameter)> NamedParameters() => [];

    /// <inheritdoc/>
    public virtual void ZeroGrad()
    {
        foreach ((_, Parameter parameter) in NamedParameters())
        {
            parameter.Gradient.AsSpan().Clear();
        }
    }

    /// <summary>
    /// Checks a <see cref="Backward"/> call: a training-mode forward must have left <paramref name="cached"/>,
    /// and <paramref name="outputGradient"/> must have the shape of that forward's output.
    /// </summary>
    /// <param name="cached">What the last training-mode forward kept (null when there was none).</param>
    /// <param name="outputGradient">The gradient passed to Backward.</param>
    /// <param name="outputShape">The shape the last forward returned.</param>
    private protected void CheckBackward([NotNull] object? cached, [NotNull] Tensor? outputGradient, ReadOnlySpan<int> outputShape)
    {
        if (cached is null)
        {
            throw new InvalidOperationException($"{this}: Backward needs a Forward in training mode first (call Train() before Forward).");
        }

        if (outputGradient is null)
        {
            throw new ArgumentNullException(nameof(outputGradient), $"{this}: the output gradient is null.");
        }

        if (!outputGradient.Shape.SequenceEqual(outputShape))
        {
            throw new ArgumentException(
                $"{this}: expected an output gradient of the last output's shape {Tensor.FormatShape(outputShape)}, got {Tensor.FormatShape(outputGradient.Shape)}.",
                nameof(outputGradient));
        }
    }
}
