using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LeNet.Kernels.Tiles;

/// <summary>Moves images between the caller's layout ([n, C·H·W], image-major) and a tile (<see cref="TileMap"/>, image-innermost).</summary>
internal static class TileTranspose
{
    /// <summary>
    /// Writes <paramref name="count"/> images (each [C, H, W]) into the interior of the tile; lanes past
    /// <paramref name="count"/> get zeros, so a partial tile computes on defined values.
    /// </summary>
    public static void In(ReadOnlySpan<float> images, int count, Span<float> tile, TileMap map)
    {
        Debug.Assert(images.Length >= count * map.Features && count <= TileMap.Lanes && tile.Length >= map.Length);
        Move(ref MemoryMarshal.GetReference(images), count, ref MemoryMarshal.GetReference(tile), map, intoTile: true);
    }

    /// <summary>
    /// The inverse of <see cref="In"/>: the first <paramref name="count"/> lanes of the tile's interior (any
    /// padding) into <paramref name="count"/> images [C, H, W], back to back.
    /// </summary>
    public static void OutImages(ReadOnlySpan<float> tile, TileMap map, Span<float> images, int count)
    {
        Debug.Assert(images.Length >= count * map.Features && count <= TileMap.Lanes && tile.Length >= map.Length);
        Move(ref MemoryMarshal.GetReference(images), count, ref MemoryMarshal.GetReference(tile), map, intoTile: false);
    }

    /// <summary><see cref="In"/> (<paramref name="intoTile"/>) or <see cref="OutImages"/>, row by row of the map's interior.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Move(ref float images, int count, ref float tile, TileMap map, bool intoTile)
    {
        const int L = TileMap.Lanes;
        int features = map.Features;
        int width = map.Width;
        for (int c = 0; c < map.Channels; c++)
        {
            for (int y = 0; y < map.Height; y++)
            {
                ref float row = ref Unsafe.Add(ref tile, map.Offset(c, y, 0));
                int start = ((c * map.Height) + y) * width;

                // Full tiles move 8 pixels × 8 images at a time through an in-register transpose.
                int done = count == L && Avx.IsSupported ? Transpose8x8(ref Unsafe.Add(ref images, start), features, ref row, width, intoTile) : 0;
                for (int t = 0; t < count; t++)
                {
                    ref float imageRow = ref Unsafe.Add(ref images, (t * features) + start);
                    for (int x = done; x < width; x++)
                    {
                        if (intoTile)
                        {
                            Unsafe.Add(ref row, (x * L) + t) = Unsafe.Add(ref imageRow, x);
                        }
                        else
                        {
                            Unsafe.Add(ref imageRow, x) = Unsafe.Add(ref row, (x * L) + t);
                        }
                    }
                }

                for (int t = count; intoTile && t < L; t++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        Unsafe.Add(ref row, (x * L) + t) = 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Between 16 images' rows and a tile row, by 8×8 blocks transposed in registers (unpack, shuffle, lane
    /// permute: 24 shuffles for 64 floats instead of 64 scalar stores), for the first ⌊width/8⌋·8 pixels:
    /// row[x·16 + t] = images[t·features + x] (<paramref name="intoTile"/>) or the reverse; returns the pixels done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Transpose8x8(ref float images, int features, ref float row, int width, bool intoTile)
    {
        const int L = TileMap.Lanes;
        int x = 0;
        for (; x + 8 <= width; x += 8)
        {
            for (int t0 = 0; t0 < L; t0 += 8)
            {
                // Eight rows of eight floats `features` apart (images t0 … t0 + 7), eight rows `L` apart in the tile (pixels x … x + 7).
                ref float image = ref Unsafe.Add(ref images, (t0 * features) + x);
                ref float tile = ref Unsafe.Add(ref row, (x * L) + t0);
                if (intoTile)
                {
                    Transpose8(ref image, features, ref tile, L);
                }
                else
                {
                    Transpose8(ref tile, L, ref image, features);
                }
            }
        }

        return x;
    }

    /// <summary>An 8×8 block: destination row j, element i (at <c>d + j·dStride + i</c>) = source row i, element j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float s, int sStride, ref float d, int dStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref s), r1 = Vector256.LoadUnsafe(ref s, (nuint)sStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref s, (nuint)(2 * sStride)), r3 = Vector256.LoadUnsafe(ref s, (nuint)(3 * sStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref s, (nuint)(4 * sStride)), r5 = Vector256.LoadUnsafe(ref s, (nuint)(5 * sStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref s, (nuint)(6 * sStride)), r7 = Vector256.LoadUnsafe(ref s, (nuint)(7 * sStride));
        Vector256<float> t0a = Avx.UnpackLow(r0, r1), t1a = Avx.UnpackHigh(r0, r1), t2a = Avx.UnpackLow(r2, r3), t3a = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4a = Avx.UnpackLow(r4, r5), t5a = Avx.UnpackHigh(r4, r5), t6a = Avx.UnpackLow(r6, r7), t7a = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0a, t2a, 0x44), s1 = Avx.Shuffle(t0a, t2a, 0xEE), s2 = Avx.Shuffle(t1a, t3a, 0x44), s3 = Avx.Shuffle(t1a, t3a, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4a, t6a, 0x44), s5 = Avx.Shuffle(t4a, t6a, 0xEE), s6 = Avx.Shuffle(t5a, t7a, 0x44), s7 = Avx.Shuffle(t5a, t7a, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref d, (nuint)dStride);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref d, (nuint)(2 * dStride));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref d, (nuint)(3 * dStride));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref d, (nuint)(4 * dStride));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref d, (nuint)(5 * dStride));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref d, (nuint)(6 * dStride));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref d, (nuint)(7 * dStride));
    }

    /// <summary>
    /// Reads the first <paramref name="count"/> lanes of an unpadded tile map [F, Lanes] into <paramref name="outputs"/>
    /// [count, F], one image every <paramref name="outputStride"/> floats (F when 0: rows back to back).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Out(ReadOnlySpan<float> tile, TileMap map, Span<float> outputs, int count, int outputStride = 0)
    {
        const int L = TileMap.Lanes;
        int features = map.Features;
        int stride = outputStride == 0 ? features : outputStride;
        Debug.Assert(map.Pad == 0 && tile.Length >= map.Length && stride >= features && (count == 0 || outputs.Length >= ((count - 1) * stride) + features));
        for (int t = 0; t < count; t++)
        {
            Span<float> image = outputs.Slice(t * stride, features);
            for (int f = 0; f < features; f++)
            {
                image[f] = tile[(f * L) + t];
            }
        }
    }
}
