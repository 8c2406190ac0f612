using System.Globalization;
using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// The common part of <see cref="Dropout"/> and <see cref="Dropout2d"/>: identity in evaluation mode; in training
/// mode each group of elements (one element, or one channel) is zeroed with probability p and the rest are scaled
/// by 1/(1 − p), the mask drawn from the layer's <see cref="System.Random"/> and reused by <see cref="Backward"/>.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public abstract class DropoutLayer : Layer
{
    private readonly Random _random;
    private float[]? _mask;
    private int _groupLength;
    private int[] _shape = [];
    private bool _evaluated;

    /// <summary>Only the library's layers derive from this class.</summary>
    private protected DropoutLayer(float p, Random? random, string layer)
    {
        if (!(p >= 0f && p <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{layer}: dropout probability has to be between 0 and 1, but got {p.ToString(CultureInfo.InvariantCulture)}.");
        }

        P = p;
        _random = random ?? Random.Shared;
    }

    /// <summary>The probability of zeroing an element (or a channel).</summary>
    public float P { get; }

    /// <summary>How many consecutive elements share one mask value for this input shape (validating it).</summary>
    private protected abstract int GroupLength(ReadOnlySpan<int> shape);

    /// <inheritdoc/>
    public sealed override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        GroupLength(inputShape);
        return inputShape.ToArray();
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>input [any shape] → output [same shape]</c>. Evaluation mode returns the input itself. Training mode draws
    /// a new mask: each group is kept with probability 1 − p and scaled by 1/(1 − p), else zeroed (p = 1 zeroes all).
    /// </remarks>
    protected sealed override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int groupLength = GroupLength(input.Shape);
        if (!IsTraining)
        {
            if (KeepsForBackward)
            {
                // Differentiating an evaluation-mode forward: the identity, whose backward passes the gradient on.
                (_mask, _groupLength, _shape) = (null, groupLength, input.Shape.ToArray());
                _evaluated = true;
            }

            return input;
        }

        int groups = input.Length / groupLength;
        float scale = P == 1f ? 0f : 1f / (1f - P);
        float[] mask = _mask is { } old && old.Length == groups ? old : new float[groups];
        for (int g = 0; g < groups; g++)
        {
            mask[g] = _random.NextDouble() >= P ? scale : 0f;
        }

        Tensor output = OutputTensor(input.Shape);
        Apply(input.AsSpan(), mask, groupLength, output.AsSpan());
        (_mask, _groupLength, _shape, _evaluated) = (mask, groupLength, input.Shape.ToArray(), false);
        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [any shape] → input gradient [same shape]</c>: dX = dY ⊙ the last training-mode Forward's mask.</remarks>
    public sealed override Tensor Backward(Tensor outputGradient)
    {
        if (_evaluated)
        {
            CheckBackward(_shape, outputGradient, _shape);
            return outputGradient;
        }

        CheckBackward(_mask, outputGradient, _shape);
        Tensor inputGradient = InputGradientTensor(_shape);
        Apply(outputGradient.AsSpan(), _mask, _groupLength, inputGradient.AsSpan());
        return inputGradient;
    }

    /// <summary>y = x · mask[group], group = index / groupLength.</summary>
    private static void Apply(ReadOnlySpan<float> x, float[] mask, int groupLength, Span<float> y)
    {
        if (groupLength == 1)
        {
            TensorPrimitives.Multiply(x, mask, y);
            return;
        }

        for (int g = 0; g < mask.Length; g++)
        {
            TensorPrimitives.Multiply(x.Slice(g * groupLength, groupLength), mask[g], y.Slice(g * groupLength, groupLength));
        }
    }

    /// <summary>Returns <c>Dropout(p=0.5)</c> (the layer's name and p).</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString()
    {
        string p = P.ToString("R", CultureInfo.InvariantCulture);
        return $"{Name}(p={(p.Contains('.') ? p : p + ".0")})";
    }

    /// <inheritdoc/>
    internal override bool IsIdentityIn(bool training) => !training;

    /// <inheritdoc/>
    /// <remarks>In evaluation mode only: training mode draws a new mask each call.</remarks>
    internal override bool IsRepeatable => !IsTraining;

    /// <remarks>An exported model is in evaluation mode, where dropout is the identity.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Identity", this, prefix);
}
