using System.Numerics.Tensors;

namespace LeNet.Cli;

/// <summary>One picture's class probabilities: the softmax of a classifier's logits, and its most likely classes.</summary>
/// <param name="Probabilities">One probability per class, summing to 1.</param>
internal sealed record ClassScores(float[] Probabilities)
{
    /// <summary>The most likely class (the lowest index among equals).</summary>
    public int Class => TensorPrimitives.IndexOfMax(Probabilities);

    /// <summary>The softmax of <paramref name="logits"/>: exp(z − max z) / Σ, the shift keeping large logits from overflowing.</summary>
    /// <param name="logits">One score per class.</param>
    /// <returns>The probabilities.</returns>
    public static ClassScores FromLogits(ReadOnlySpan<float> logits)
    {
        var probabilities = new float[logits.Length];
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        TensorPrimitives.Divide(probabilities, TensorPrimitives.Sum(probabilities), probabilities);
        return new ClassScores(probabilities);
    }

    /// <summary>The <paramref name="count"/> most likely classes, most likely first (equal probabilities by index).</summary>
    /// <param name="count">How many.</param>
    /// <returns>(class, probability) pairs.</returns>
    public IReadOnlyList<(int Class, float Probability)> Top(int count) =>
        [.. Probabilities.Select((p, c) => (Class: c, Probability: p)).OrderByDescending(t => t.Probability).ThenBy(t => t.Class).Take(count)];
}
