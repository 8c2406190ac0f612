using LeNet.Kernels.Activations;
using LeNet.Kernels.Pooling;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// A width-generic call of a kernel with a fused activation and 2×2 pool: closes the activation
/// (<see cref="NaiveActivations"/>' name) and the pool (max or average) for <see cref="Run{TOps, TVec, TAct, TPool}"/>.
/// </summary>
internal abstract record PooledCall(string Activation, bool Max) : IWidthCall
{
    public void Run<TOps, TVec>(int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (Activation)
        {
            case NaiveActivations.Sigmoid:
                WithPool<TOps, TVec, SigmoidActivation>();
                break;
            case NaiveActivations.Relu:
                WithPool<TOps, TVec, ReluActivation>();
                break;
            default:
                WithPool<TOps, TVec, NoActivation>();
                break;
        }
    }

    /// <summary>The kernel call itself.</summary>
    protected abstract void Run<TOps, TVec, TAct, TPool>()
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
        where TPool : IPoolReduction;

    private void WithPool<TOps, TVec, TAct>()
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation
    {
        if (Max)
        {
            Run<TOps, TVec, TAct, MaxPool>();
        }
        else
        {
            Run<TOps, TVec, TAct, AveragePool>();
        }
    }
}
