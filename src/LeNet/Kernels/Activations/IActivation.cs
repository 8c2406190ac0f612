using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>
/// An element-wise function a kernel applies to its accumulators before storing them (a fused
/// epilogue), as a tiny operator struct so the JIT inlines it into each kernel instantiation. Every
/// implementation never decreases (identity, ReLU, sigmoid): a fused max-pool relies on that to apply it
/// once, to the window's maximum, instead of to every element.
/// </summary>
internal interface IActivation
{
    static abstract TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct;

    /// <summary>
    /// The input gradient from the output <paramref name="y"/> = Apply(x) and the output gradient
    /// <paramref name="dy"/>, as PyTorch computes it from the saved output.
    /// </summary>
    static abstract TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct;
}
