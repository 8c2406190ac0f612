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
}
