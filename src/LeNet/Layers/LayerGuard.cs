using System.Diagnostics.CodeAnalysis;

namespace LeNet.Layers;

/// <summary>Shape checks at the layers' public boundary, with messages that name the layer, the expected and the actual shape.</summary>
internal static class LayerGuard
{
    /// <summary>The parameter name of <see cref="ILayer.Forward"/>, reported by every shape exception.</summary>
    private static readonly string InputParameter = "input";

    public static void NotNull([NotNull] Tensor? input, ILayer layer)
    {
        if (input is null)
        {
            ThrowNull(layer);
        }
    }

    /// <summary>Throws unless <paramref name="shape"/> has <paramref name="rank"/> dimensions, all positive.</summary>
    public static void Rank(ReadOnlySpan<int> shape, int rank, string expected, ILayer layer)
    {
        if (shape.Length != rank)
        {
            Throw(layer, $"expected a rank-{rank} input {expected}, got rank {shape.Length} {Tensor.FormatShape(shape)}");
        }

        Positive(shape, layer);
    }

    /// <summary>Throws unless <paramref name="shape"/> has at least <paramref name="rank"/> dimensions, all positive.</summary>
    public static void MinRank(ReadOnlySpan<int> shape, int rank, string expected, ILayer layer)
    {
        if (shape.Length < rank)
        {
            Throw(layer, $"expected an input of rank {rank} or more {expected}, got rank {shape.Length} {Tensor.FormatShape(shape)}");
        }

        Positive(shape, layer);
    }

    public static void Positive(ReadOnlySpan<int> shape, ILayer layer)
    {
        foreach (int dim in shape)
        {
            if (dim <= 0)
            {
                Throw(layer, $"expected every dimension of the input to be positive, got {Tensor.FormatShape(shape)}");
            }
        }
    }

    [DoesNotReturn]
    public static void Throw(ILayer layer, string problem) =>
        throw new ArgumentException($"{layer}: {problem}.", InputParameter);

    [DoesNotReturn]
    private static void ThrowNull(ILayer layer) =>
        throw new ArgumentNullException(InputParameter, $"{layer}: the input tensor is null.");

    /// <summary>Constructor arguments: throws unless <paramref name="value"/> is at least <paramref name="minimum"/>.</summary>
    public static void AtLeast(int value, int minimum, string layer, string parameterName)
    {
        if (value < minimum)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"{layer}: {parameterName} must be {(minimum == 1 ? "positive" : $"at least {minimum}")}, got {value}.");
        }
    }
}
