using System.Numerics.Tensors;

namespace LeNet.Training;

/// <summary>
/// The negative log-likelihood of class indices under log-probabilities (a model ending in <c>LogSoftmax(dim: 1)</c>),
/// like <c>torch.nn.NLLLoss(reduction="mean")</c> (no class weights, no ignore_index).
/// </summary>
/// <remarks>
/// For rows x [N, C] and targets t: loss = −Σₙ x[n, tₙ], divided by N for "mean". The gradient is −1 (or −1/N) at
/// each row's target and 0 elsewhere. LogSoftmax followed by NLLLoss is <see cref="CrossEntropyLoss"/>.
/// </remarks>
public sealed class NLLLoss
{
    private readonly bool _sum;

    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">"mean" (PyTorch's default: the mean over the batch) or "sum".</param>
    /// <exception cref="ArgumentException"><paramref name="reduction"/> is neither "mean" nor "sum".</exception>
    public NLLLoss(string reduction = "mean")
    {
        _sum = LossReduction.IsSum(reduction, nameof(NLLLoss));
        Reduction = reduction;
    }

    /// <summary>"mean" or "sum".</summary>
    public string Reduction { get; }

    /// <summary>Computes the loss and its gradient for a batch.</summary>
    /// <param name="logProbabilities">Log-probabilities, shape [N, C].</param>
    /// <param name="targets">N class indices, each in [0, C).</param>
    /// <returns>The loss, ∂loss/∂logProbabilities [N, C] (a new tensor), and the count of rows whose largest value is at the target.</returns>
    /// <exception cref="ArgumentException">Wrong rank, a target count that is not N, or a target outside [0, C).</exception>
    public LossResult Compute(Tensor logProbabilities, ReadOnlySpan<int> targets)
    {
        ArgumentNullException.ThrowIfNull(logProbabilities);
        if (logProbabilities.Rank != 2 || logProbabilities.Shape[0] == 0 || logProbabilities.Shape[1] == 0)
        {
            throw new ArgumentException($"NLLLoss: expected log-probabilities [N, C] with N, C ≥ 1, got {Tensor.FormatShape(logProbabilities.Shape)}.", nameof(logProbabilities));
        }

        int rows = logProbabilities.Shape[0], classes = logProbabilities.Shape[1];
        if (targets.Length != rows)
        {
            throw new ArgumentException($"NLLLoss: expected {rows} targets (one per row of {Tensor.FormatShape(logProbabilities.Shape)}), got {targets.Length}.", nameof(targets));
        }

        for (int r = 0; r < rows; r++)
        {
            if ((uint)targets[r] >= (uint)classes)
            {
                throw new ArgumentException($"NLLLoss: target {targets[r]} of row {r} is outside [0, {classes}).", nameof(targets));
            }
        }

        var gradient = new Tensor(rows, classes);
        ReadOnlySpan<float> x = logProbabilities.AsSpan();
        Span<float> dx = gradient.AsSpan();
        float weight = _sum ? 1f : 1f / rows;
        double total = 0;
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * classes, classes);
            total -= row[targets[r]];
            dx[(r * classes) + targets[r]] = -weight;
            correct += TensorPrimitives.IndexOfMax(row) == targets[r] ? 1 : 0;
        }

        return new LossResult((float)(_sum ? total : total / rows), gradient, correct);
    }
}
