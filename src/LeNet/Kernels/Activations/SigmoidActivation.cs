using System.Runtime.CompilerServices;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels.Activations;

/// <summary>σ(x) = 1 / (1 + e^−x), as <c>torch.sigmoid</c>.</summary>
internal readonly struct SigmoidActivation : IActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec x)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Sigmoid(x);

    /// <summary>dx = dy · (1 − y) · y, in <c>sigmoid_backward</c>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Backward<TOps, TVec>(TVec y, TVec dy)
        where TOps : ISimdOps<TVec>
        where TVec : struct => TOps.Multiply(TOps.Multiply(dy, TOps.Subtract(TOps.Create(1f), y)), y);
}
