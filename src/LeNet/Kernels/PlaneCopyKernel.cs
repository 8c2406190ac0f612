using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Copies the rows of a stack of planes between two strided layouts: a GEMM's result into a padded map, an image into
/// a predictor's padded single-image layout and back.
/// </summary>
/// <remarks>
/// Both layouts without gaps (an unpadded map: rows <c>width</c> apart, planes <c>height·width</c> apart) are one span
/// copy. Otherwise a row moves in the widest vectors that fit in it, its last vector overlapping the one before (the
/// same floats written twice: no scalar tail); rows under 4 floats go one float at a time. This replaced one
/// <c>CopyTo</c> per row (mobilenet_v2's 1×1 expansions copy 960 planes of 7 rows of 7 floats into their depthwise
/// layers' padded inputs) at the same speed: those copies are bound by memory, not by the calls. A copy computes
/// nothing, so the width only changes the speed.
/// </remarks>
internal static class PlaneCopyKernel
{
    /// <summary>
    /// destination[p·destinationPlane + y·destinationRow + x] = source[p·sourcePlane + y·sourceRow + x] for
    /// p &lt; <paramref name="planes"/>, y &lt; <paramref name="height"/>, x &lt; <paramref name="width"/>. The two
    /// spans must not overlap.
    /// </summary>
    public static void Planes(ReadOnlySpan<float> source, int sourceRow, int sourcePlane, Span<float> destination, int destinationRow, int destinationPlane, int planes, int height, int width)
    {
        if (planes <= 0 || height <= 0 || width <= 0)
        {
            return;
        }

        // The last float each side touches: every access below is at or before it.
        long sourceEnd = ((long)(planes - 1) * sourcePlane) + ((long)(height - 1) * sourceRow) + width;
        long destinationEnd = ((long)(planes - 1) * destinationPlane) + ((long)(height - 1) * destinationRow) + width;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceEnd, source.Length, nameof(source));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destinationEnd, destination.Length, nameof(destination));
        int plane = height * width;
        if (sourceRow == width && destinationRow == width && sourcePlane == plane && destinationPlane == plane)
        {
            // No gaps on either side: the same layout, one copy rather than one a row.
            source[..(planes * plane)].CopyTo(destination);
            return;
        }

        ref float s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination);
        for (int p = 0; p < planes; p++)
        {
            ref float sp = ref Unsafe.Add(ref s, (nint)p * sourcePlane);
            ref float dp = ref Unsafe.Add(ref d, (nint)p * destinationPlane);
            for (int y = 0; y < height; y++)
            {
                Row(ref Unsafe.Add(ref sp, (nint)y * sourceRow), ref Unsafe.Add(ref dp, (nint)y * destinationRow), width);
            }
        }
    }

    /// <summary>Copies <paramref name="count"/> floats from <paramref name="source"/> to <paramref name="destination"/> (not overlapping).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(ref float source, ref float destination, int count)
    {
        if (count >= 16 && Vector512.IsHardwareAccelerated)
        {
            Vectors<Vector512Ops, Vector512<float>>(ref source, ref destination, count);
        }
        else if (count >= 8 && Vector256.IsHardwareAccelerated)
        {
            Vectors<Vector256Ops, Vector256<float>>(ref source, ref destination, count);
        }
        else if (count >= 4 && Vector128.IsHardwareAccelerated)
        {
            Vectors<Vector128Ops, Vector128<float>>(ref source, ref destination, count);
        }
        else
        {
            for (int x = 0; x < count; x++)
            {
                Unsafe.Add(ref destination, x) = Unsafe.Add(ref source, x);
            }
        }
    }

    /// <summary>A row in vectors of <c>TOps.Count</c> floats, the last one ending at the row's end (<paramref name="count"/> ≥ the vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Vectors<TOps, TVec>(ref float source, ref float destination, int count)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int end = count - TOps.Count;
        for (int x = 0; x < end; x += TOps.Count)
        {
            TOps.Store(TOps.Load(ref source, x), ref destination, x);
        }

        TOps.Store(TOps.Load(ref source, end), ref destination, end);
    }
}
