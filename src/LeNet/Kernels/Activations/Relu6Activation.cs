using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>min(max(x, 0), 6), as <c>torch.nn.ReLU6</c> (the same operations as <see cref="ActivationFunctions.Relu6"/>, so the same bits).</summary>
internal readonly struct Relu6Activation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Min(TOps.Max(x, TOps.Zero), TOps.Create(6f));

    /// <summary>dx = dy where 0 &lt; y &lt; 6 strictly (hardtanh's backward, read from the output: the same set as 0 &lt; x &lt; 6).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.And(TOps.And(TOps.GreaterThan(y, TOps.Zero), TOps.GreaterThan(TOps.Create(6f), y)), dy);
}
