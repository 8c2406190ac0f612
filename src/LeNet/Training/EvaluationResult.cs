namespace LeNet.Training;

/// <summary>A model's results on a labelled data set.</summary>
public sealed class EvaluationResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="loss">The mean cross-entropy loss.</param>
    /// <param name="confusion">Counts [true class, predicted class], square.</param>
    public EvaluationResult(double loss, int[,] confusion)
    {
        ArgumentNullException.ThrowIfNull(confusion);
        Loss = loss;
        Confusion = confusion;
        Count = confusion.Cast<int>().Sum();
        int correct = 0;
        for (int c = 0; c < confusion.GetLength(0); c++)
        {
            correct += confusion[c, c];
        }

        Correct = correct;
    }

    /// <summary>The mean cross-entropy loss.</summary>
    public double Loss { get; }

    /// <summary>The number of samples evaluated.</summary>
    public int Count { get; }

    /// <summary>The number classified right.</summary>
    public int Correct { get; }

    /// <summary>The fraction classified right.</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>The confusion matrix: <c>Confusion[t, p]</c> counts samples of true class t predicted as p.</summary>
    public int[,] Confusion { get; }

    /// <summary>Of the samples predicted as <paramref name="classIndex"/>, the fraction that are (NaN when none was predicted).</summary>
    /// <param name="classIndex">The class.</param>
    /// <returns>The precision of that class.</returns>
    public double Precision(int classIndex)
    {
        int predicted = 0;
        for (int t = 0; t < Confusion.GetLength(0); t++)
        {
            predicted += Confusion[t, classIndex];
        }

        return predicted == 0 ? double.NaN : (double)Confusion[classIndex, classIndex] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="classIndex"/>, the fraction predicted as it (NaN when the class is absent).</summary>
    /// <param name="classIndex">The class.</param>
    /// <returns>The recall of that class.</returns>
    public double Recall(int classIndex)
    {
        int actual = 0;
        for (int p = 0; p < Confusion.GetLength(1); p++)
        {
            actual += Confusion[classIndex, p];
        }

        return actual == 0 ? double.NaN : (double)Confusion[classIndex, classIndex] / actual;
    }
}
