namespace LeNet.Layers;

/// <summary>
/// Batch normalization over the channels of NCHW images, like <c>torch.nn.BatchNorm2d(num_features,
/// eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)</c>: statistics per channel over N, H and W.
/// </summary>
/// <remarks><c>input [N, C, H, W] → output [N, C, H, W]</c>; parameters <c>weight [C]</c>, <c>bias [C]</c>; buffers <c>running_mean [C]</c>, <c>running_var [C]</c>, <c>num_batches_tracked []</c>.</remarks>
public sealed class BatchNorm2d : BatchNorm
{
    /// <summary>Creates the layer with PyTorch's initial values: weight ones, bias zeros, running mean zeros, running variance ones.</summary>
    /// <param name="numFeatures">Channels C of the input.</param>
    /// <param name="eps">Added to the variance for numerical stability.</param>
    /// <param name="momentum">Weight of the batch statistics in the running statistics' update.</param>
    /// <param name="affine">Whether the layer learns a per-channel weight and bias.</param>
    /// <param name="trackRunningStats">Whether the layer keeps running statistics (and uses them in evaluation mode).</param>
    /// <exception cref="ArgumentOutOfRangeException">numFeatures or eps is not positive, or momentum is outside [0, 1].</exception>
    public BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats)
    {
    }

    /// <inheritdoc/>
    public override string Name => nameof(BatchNorm2d);

    private protected override void CheckShape(ReadOnlySpan<int> inputShape) =>
        LayerGuard.Rank(inputShape, 4, $"[N, {NumFeatures}, H, W]", this);
}
