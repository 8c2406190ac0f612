namespace LeNet.Models;

/// <summary>What a digit classifier says about one image: the most likely digit and every class's probability.</summary>
/// <param name="Digit">The class with the highest probability (ties: the lowest index).</param>
/// <param name="Probabilities">softmax(logits): one probability per class, summing to 1.</param>
public sealed record DigitPrediction(int Digit, float[] Probabilities)
{
    /// <summary>The probability of <see cref="Digit"/>.</summary>
    public float Confidence => Probabilities[Digit];

    /// <summary>The classes by decreasing probability, with their probabilities.</summary>
    /// <param name="count">How many to return (at most the number of classes).</param>
    /// <returns>The top classes, most likely first.</returns>
    public IReadOnlyList<(int Digit, float Probability)> Top(int count) =>
        Probabilities.Select((p, i) => (Digit: i, Probability: p))
            .OrderByDescending(x => x.Probability).ThenBy(x => x.Digit)
            .Take(count).ToArray();
}
