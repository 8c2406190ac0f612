using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>A width-generic call of a kernel with a fused activation: closes the activation (<see cref="NaiveActivations"/>' name) for <see cref="Run{TOps, TVec, TAct}"/>.</summary>
internal abstract record ActivationCall(string Activation) : IWidthCall
{
    public void Run<TOps, TVec>(int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        switch (Activation)
        {
            case NaiveActivations.Sigmoid:
                Run<TOps, TVec, SigmoidActivation>(lane);
                break;
            case NaiveActivations.Relu:
                Run<TOps, TVec, ReluActivation>(lane);
                break;
            case NaiveActivations.Relu6:
                Run<TOps, TVec, Relu6Activation>(lane);
                break;
            case NaiveActivations.Hardswish:
                Run<TOps, TVec, HardswishActivation>(lane);
                break;
            case NaiveActivations.Hardsigmoid:
                Run<TOps, TVec, HardsigmoidActivation>(lane);
                break;
            case NaiveActivations.Identity:
                Run<TOps, TVec, NoActivation>(lane);
                break;
            default:
                throw new InvalidOperationException($"{Activation} is not a fused activation");
        }
    }

    /// <summary>The kernel call itself.</summary>
    protected abstract void Run<TOps, TVec, TAct>(int lane)
        where TOps : ISimdOps<TVec>
        where TVec : struct
        where TAct : IActivation;
}
