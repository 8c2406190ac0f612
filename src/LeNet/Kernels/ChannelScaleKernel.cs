using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Squeeze-and-excitation's excitation: each channel plane of <c>x</c> [planes, pixels] times its own scale
/// (<c>y = s[p] · x[p, ·]</c>), on the width ladder; the same single rounding as the broadcast multiply.
/// </summary>
internal static class ChannelScaleKernel
{
    /// <summary>y[p·pixels + i] = scale[p] · x[p·pixels + i] for every plane p of <paramref name="scale"/>.</summary>
    public static void Run(SimdWidth width, ReadOnlySpan<float> x, ReadOnlySpan<float> scale, Span<float> y, int pixels)
    {
        if (x.Length != scale.Length * pixels || y.Length != x.Length)
        {
            throw new ArgumentException($"ChannelScaleKernel: {scale.Length} planes of {pixels} pixels need {scale.Length * pixels} floats, got x {x.Length} and y {y.Length}.", nameof(x));
        }

        switch (width)
        {
            case SimdWidth.Vector512:
                Run<Vector512Ops, Vector512<float>>(x, scale, y, pixels);
                break;
            case SimdWidth.Vector256:
                Run<Vector256Ops, Vector256<float>>(x, scale, y, pixels);
                break;
            case SimdWidth.Vector128:
                Run<Vector128Ops, Vector128<float>>(x, scale, y, pixels);
                break;
            default:
                Run<ScalarOps, float>(x, scale, y, pixels);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec>(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, Span<float> y, int pixels)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(y);
        for (int p = 0; p < scale.Length; p++)
        {
            float s = scale[p];
            TVec factor = TOps.Create(s);
            nint start = (nint)p * pixels;
            int i = 0;
            for (; i <= pixels - TOps.Count; i += TOps.Count)
            {
                TOps.Store(TOps.Multiply(factor, TOps.Load(ref source, start + i)), ref target, start + i);
            }

            for (; i < pixels; i++)
            {
                Unsafe.Add(ref target, start + i) = s * Unsafe.Add(ref source, start + i);
            }
        }
    }
}
