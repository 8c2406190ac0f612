using System.Numerics.Tensors;

namespace LeNet.Training;

/// <summary>
/// Softmax cross-entropy over class logits with integer targets, averaged over the batch, like
/// <c>torch.nn.CrossEntropyLoss(label_smoothing=…)</c> (reduction "mean", no class weights).
/// </summary>
/// <remarks>
/// For a row z with target t: loss = logsumexp(z) − z[t], computed as max(z) + log Σ exp(z − max(z)) in
/// double, so logits of ±1e4 neither overflow nor lose the answer. The gradient is
/// (softmax(z) − q) / N, with q the target distribution: onehot(t), or with label smoothing ε,
/// (1 − ε)·onehot(t) + ε/C.
/// </remarks>
public sealed class CrossEntropyLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="labelSmoothing">ε in [0, 1]: how much of the target's probability is spread evenly over all classes (PyTorch's <c>label_smoothing</c>, default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 1].</exception>
    public CrossEntropyLoss(float labelSmoothing = 0f)
    {
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "CrossEntropyLoss: label smoothing must be in [0, 1].");
        }

        LabelSmoothing = labelSmoothing;
    }

    /// <summary>ε: the share of each target's probability spread evenly over all classes.</summary>
    public float LabelSmoothing { get; }

    /// <summary>Computes the loss and its gradient for a batch.</summary>
    /// <param name="logits">Unnormalised scores, shape [N, C].</param>
    /// <param name="targets">N class indices, each in [0, C).</param>
    /// <returns>The mean loss, ∂loss/∂logits [N, C] (a new tensor), and the count of correct argmax predictions.</returns>
    /// <exception cref="ArgumentException">Wrong rank, a target count that is not N, or a target outside [0, C).</exception>
    public LossResult Compute(Tensor logits, ReadOnlySpan<int> targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2 || logits.Shape[0] == 0 || logits.Shape[1] == 0)
        {
            throw new ArgumentException($"CrossEntropyLoss: expected logits [N, C] with N, C ≥ 1, got {Tensor.FormatShape(logits.Shape)}.", nameof(logits));
        }

        int rows = logits.Shape[0], classes = logits.Shape[1];
        if (targets.Length != rows)
        {
            throw new ArgumentException($"CrossEntropyLoss: expected {rows} targets (one per row of logits {Tensor.FormatShape(logits.Shape)}), got {targets.Length}.", nameof(targets));
        }

        var gradient = new Tensor(rows, classes);
        ReadOnlySpan<float> z = logits.AsSpan();
        Span<float> dz = gradient.AsSpan();
        double total = 0;
        int correct = 0;
        CheckTargets(targets, classes);
        for (int r = 0; r < rows; r++)
        {
            total += Row(z.Slice(r * classes, classes), targets[r], rows, dz.Slice(r * classes, classes), out bool right);
            correct += right ? 1 : 0;
        }

        return new LossResult((float)(total / rows), gradient, correct);
    }

    /// <summary>Throws when a target is outside [0, <paramref name="classes"/>), naming its row.</summary>
    /// <exception cref="ArgumentException">A target is out of range.</exception>
    internal static void CheckTargets(ReadOnlySpan<int> targets, int classes)
    {
        for (int r = 0; r < targets.Length; r++)
        {
            if ((uint)targets[r] >= (uint)classes)
            {
                throw new ArgumentException($"CrossEntropyLoss: target {targets[r]} of row {r} is outside [0, {classes}).", nameof(targets));
            }
        }
    }

    /// <summary>
    /// One row's loss (in double; the batch loss is the mean of these in row order) and its gradient
    /// (softmax(z) − q) / <paramref name="rows"/>; <paramref name="correct"/> tells whether the argmax is
    /// the target. <paramref name="target"/> must be in range.
    /// </summary>
    internal double Row(ReadOnlySpan<float> row, int target, int rows, Span<float> gradient, out bool correct)
    {
        int classes = row.Length;
        int argMax = TensorPrimitives.IndexOfMax(row);
        double max = row[argMax];
        double sum = 0;
        for (int j = 0; j < classes; j++)
        {
            sum += Math.Exp(row[j] - max);
        }

        // −Σ_j q_j·log p_j with log p_j = z_j − logsumexp(z) and Σ_j q_j = 1.
        double logSum = max + Math.Log(sum);
        double smooth = LabelSmoothing / (double)classes;
        double expectedLogit = 0;
        for (int j = 0; j < classes; j++)
        {
            double q = smooth + (j == target ? 1.0 - LabelSmoothing : 0.0);
            expectedLogit += q * row[j];
            gradient[j] = (float)((Math.Exp(row[j] - logSum) - q) / rows);
        }

        correct = argMax == target;
        return logSum - expectedLogit;
    }
}
