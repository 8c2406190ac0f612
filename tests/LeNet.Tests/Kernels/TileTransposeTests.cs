using LeNet.Kernels.Tiles;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Images in and out of the batch-inner tile layout, against the layout written out by hand: full tiles
/// (the AVX 8×8 register transpose where the CPU has AVX, plus its scalar tail when the width is not a
/// multiple of 8), partial tiles, one image, padded maps.
/// </summary>
public class TileTransposeTests
{
    private const int L = TileMap.Lanes;

    // (count, channels, height, width, pad): full tiles at widths 8, 16 (all 8×8 blocks), 5 (no block),
    // 17 (two blocks and a tail); a partial tile; one image; a padded map (a following convolution's padding).
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        { 16, 1, 2, 8, 0 },
        { 16, 3, 4, 16, 0 },
        { 16, 2, 3, 5, 0 },
        { 16, 3, 5, 17, 2 },
        { 7, 3, 5, 17, 1 },
        { 1, 1, 28, 28, 2 },
        { 15, 6, 3, 9, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void In_AnyCountAndMap_PlacesEachPixelAndZeroesTheMissingImages(int count, int channels, int height, int width, int pad)
    {
        var random = new Random(count + channels + height + width + pad);
        var map = new TileMap(channels, height, width, pad);
        float[] images = KernelData.Uniform(random, count * map.Features);
        float[] tile = [.. Enumerable.Repeat(float.NaN, map.Length)];

        TileTranspose.In(images, count, tile, map);

        // The interior: the images in the first count lanes, zeros in the rest; the padding is not written.
        var all = new float[L * map.Features];
        images.CopyTo(all, 0);
        float[] expected = KernelData.ToTile(all, L, map, fill: float.NaN);
        tile.Should().BeCloseTo(expected, atol: 0);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void OutImages_AnyCountAndMap_ReadsTheInteriorOfTheFirstLanesIntoImages(int count, int channels, int height, int width, int pad)
    {
        var random = new Random(3 + count + channels + height + width + pad);
        var map = new TileMap(channels, height, width, pad);
        float[] tile = KernelData.Uniform(random, map.Length);
        float[] images = [.. Enumerable.Repeat(float.NaN, (count * map.Features) + 2)];

        TileTranspose.OutImages(tile, map, images, count);

        // images[t, c, y, x] = the tile's lane t at (c, y, x) of the interior; the border is not read, what follows is not written.
        float[] expected = [.. Enumerable.Repeat(float.NaN, images.Length)];
        for (int t = 0; t < count; t++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int y = 0; y < height; y++)
                {
                    for (int x = 0; x < width; x++)
                    {
                        expected[(t * map.Features) + (((c * height) + y) * width) + x] = tile[((((c * map.PaddedHeight) + y + pad) * map.PaddedWidth) + x + pad) * L + t];
                    }
                }
            }
        }

        images.Should().BeCloseTo(expected, atol: 0);
    }

    // (count, features, output stride): a full tile, a partial one, one image, rows with gaps between them.
    public static TheoryData<int, int, int> Outs => new()
    {
        { 16, 10, 0 },
        { 5, 84, 0 },
        { 1, 3, 0 },
        { 16, 7, 9 },
        { 3, 120, 128 },
    };

    [Theory]
    [MemberData(nameof(Outs))]
    public void Out_AnyCountAndStride_ReadsTheFirstLanesIntoRows(int count, int features, int stride)
    {
        var random = new Random(count + features + stride);
        var map = new TileMap(features, 1, 1, 0);
        float[] tile = KernelData.Uniform(random, map.Length);
        int rowStride = stride == 0 ? features : stride;
        float[] outputs = [.. Enumerable.Repeat(float.NaN, (count * rowStride) + 2)];

        TileTranspose.Out(tile, map, outputs, count, stride);

        // outputs[t·stride + f] = tile[f·16 + t]; the gaps between the rows and what follows stay untouched.
        float[] expected = [.. Enumerable.Repeat(float.NaN, outputs.Length)];
        for (int t = 0; t < count; t++)
        {
            for (int f = 0; f < features; f++)
            {
                expected[(t * rowStride) + f] = tile[(f * L) + t];
            }
        }

        outputs.Should().BeCloseTo(expected, atol: 0);
    }

    [Fact]
    public void InThenOut_AFlatMap_GivesTheImagesBack()
    {
        var random = new Random(21);
        var map = new TileMap(400, 1, 1, 0);
        float[] images = KernelData.Uniform(random, L * 400);
        var tile = new float[map.Length];
        var back = new float[images.Length];

        TileTranspose.In(images, L, tile, map);
        TileTranspose.Out(tile, map, back, L);

        back.Should().Equal(images);
    }
}
