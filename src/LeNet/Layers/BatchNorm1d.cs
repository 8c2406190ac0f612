namespace LeNet.Layers;

/// <summary>
/// Batch normalization over features or sequences, like <c>torch.nn.BatchNorm1d(num_features,
/// eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)</c>: statistics per channel over N (and L).
/// </summary>
/// <remarks><c>input [N, C] or [N, C, L] → output of the same shape</c>; parameters <c>weight [C]</c>, <c>bias [C]</c>; buffers <c>running_mean [C]</c>, <c>running_var [C]</c>, <c>num_batches_tracked []</c>.</remarks>
public sealed class BatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer with PyTorch's initial values: weight ones, bias zeros, running mean zeros, running variance ones.</summary>
    /// <param name="numFeatures">Channels C of the input.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">Weight of the batch statistics in the running statistics' update.</param>
    /// <param name="affine">Whether the layer learns a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether the layer keeps running statistics (and uses them in evaluation mode).</param>
    /// <exception cref="ArgumentOutOfRangeException">numFeatures or eps is not positive, or momentum is outside [0, 1].</exception>
    public BatchNorm1d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(BatchNorm1d);

    private protected override void CheckShape(ReadOnlySpan<int> inputShape)
    {
        if (inputShape.Length is not (2 or 3))
        {
            LayerGuard.Throw(this, $"expected a rank-2 input [N, {NumFeatures}] or a rank-3 input [N, {NumFeatures}, L], got rank {inputShape.Length} {Tensor.FormatShape(inputShape)}");
        }

        LayerGuard.Positive(inputShape, this);
    }
}
