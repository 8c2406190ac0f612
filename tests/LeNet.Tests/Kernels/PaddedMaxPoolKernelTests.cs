using LeNet.Kernels;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The padded / ceil-mode max pool's single-image kernel (<see cref="PaddedMaxPoolKernel.Image{TOps, TVec}"/>) against
/// PyTorch's <c>max_pool2d</c> written from its definition: each window clipped to the image, at every width.
/// </summary>
public class PaddedMaxPoolKernelTests
{
    // (channels, height, width, kernel, stride, padding, ceil): squeezenet1_1's 3×3/2 ceil-mode pools (111, 55 and 27 wide
    // maps, and 13 → 6 where the last window is clipped); resnet's stem pool 3×3/2 padding 1 (112 and 9 wide: a clipped
    // window at each end); rows narrower than a vector; one column; a 2×2 stride-1 window; a 5×5/3 window with padding 2.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [2, 9, 111, 3, 2, 0, true],
        [3, 7, 55, 3, 2, 0, true],
        [2, 6, 27, 3, 2, 0, true],
        [2, 13, 14, 3, 2, 0, true],
        [2, 8, 112, 3, 2, 1, false],
        [3, 9, 9, 3, 2, 1, false],
        [2, 5, 2, 3, 2, 1, false],
        [2, 4, 1, 3, 2, 1, true],
        [2, 6, 40, 2, 1, 0, false],
        [2, 11, 37, 5, 3, 2, true],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Image_EveryWidth_MatchesClippedWindowMaximum(int width, int c, int h, int w, int k, int stride, int pad, bool ceil)
    {
        var random = new Random(c + h + w + k + stride + pad);
        int oh = OutputSize(h, k, stride, pad, ceil), ow = OutputSize(w, k, stride, pad, ceil);
        float[] image = KernelData.Uniform(random, c * h * w, 3f);

        // Input rows and planes with NaN gaps (never read), output rows and planes with NaN gaps (never written).
        int inRow = w + 3, inPlane = (h * inRow) + 2;
        float[] input = [.. Enumerable.Repeat(float.NaN, c * inPlane)];
        for (int ch = 0; ch < c; ch++)
        {
            for (int y = 0; y < h; y++)
            {
                image.AsSpan(((ch * h) + y) * w, w).CopyTo(input.AsSpan((ch * inPlane) + (y * inRow)));
            }
        }

        int outRow = ow + 2, outPlane = (oh * outRow) + 3;
        float[] output = [.. Enumerable.Repeat(float.NaN, c * outPlane)];
        float[] row = new float[w];

        AtWidth.Once(width, new ImageCall(input, inRow, inPlane, h, w, output, outRow, outPlane, oh, ow, c, k, stride, pad, row));

        float[] expected = [.. Enumerable.Repeat(float.NaN, c * outPlane)];
        for (int ch = 0; ch < c; ch++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    double max = double.NegativeInfinity;
                    for (int i = 0; i < k; i++)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            int y = (oy * stride) - pad + i, x = (ox * stride) - pad + j;
                            if (y >= 0 && y < h && x >= 0 && x < w)
                            {
                                max = Math.Max(max, image[(((ch * h) + y) * w) + x]);
                            }
                        }
                    }

                    expected[(ch * outPlane) + (oy * outRow) + ox] = (float)max;
                }
            }
        }

        output.Should().Equal(expected, (a, b) => a.Equals(b), $"{c}×{h}×{w}, k {k}/{stride}, pad {pad}, ceil {ceil}, width {width}");
    }

    /// <summary>PyTorch's pooling output size: floor or ceil of (n + 2p − k)/s + 1, less one when the last window would start in the right padding.</summary>
    private static int OutputSize(int n, int k, int stride, int pad, bool ceil)
    {
        int span = n + (2 * pad) - k;
        int size = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        return ceil && (size - 1) * stride >= n + pad ? size - 1 : size;
    }

    private sealed record ImageCall(
        float[] Input, int InRow, int InPlane, int Height, int Width, float[] Output, int OutRow, int OutPlane, int OutHeight, int OutWidth,
        int Channels, int K, int Stride, int Pad, float[] Row) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : LeNet.Kernels.Simd.ISimdOps<TVec>
            where TVec : struct =>
            PaddedMaxPoolKernel.Image<TOps, TVec>(Input, InRow, InPlane, Height, Width, Output, OutRow, OutPlane, OutHeight, OutWidth, Channels, K, Stride, Pad, Row);
    }
}
