using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Pooling;

/// <summary>How a pooling window is reduced: an associative combine of two values and an optional final scale.</summary>
internal interface IPoolReduction
{
    /// <summary>True for the mean (the sum is scaled by 1/(K·K) at the end), false for the max.</summary>
    static abstract bool Averages { get; }

    static abstract TVec Combine<TOps, TVec>(TVec left, TVec right)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}
