using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Conv2d's NCHW backward pass against the chain rule of the convolution formula in double: the stride-1
/// path (no im2col) and the strided one, one image and batches spanning several chunks, with and without
/// the input and bias gradients. The parameter gradients accumulate; the input gradient is overwritten.
/// </summary>
public class Conv2dBackwardKernelTests
{
    // (n, c, o, h, w, k, stride, padding, input gradient, bias): LeNet's conv1 and conv2 at batch 1; 17 and 33
    // images (2 and 3 chunks of 16) with odd channel counts; strides 2 and 3 (a 4×4 kernel at stride 3 and
    // an odd size leave pixels no window reads); padding past the kernel's reach (stride 2, and stride 1 where
    // the input gradient cannot be a forward convolution); ResNet-like 3×3 layers whose output channels fill
    // several vectors at every width (the six-tap, two-vector blocks) and an odd count of taps (their edge).
    private static readonly object[][] Geometries =
    [
        [1, 1, 6, 28, 28, 5, 1, 2, true, true],
        [1, 6, 16, 14, 14, 5, 1, 0, false, false],
        [17, 3, 5, 7, 6, 3, 1, 1, true, true],
        [2, 3, 4, 9, 8, 3, 2, 1, true, true],
        [3, 2, 3, 11, 7, 4, 3, 0, true, false],
        [33, 2, 3, 5, 5, 3, 2, 2, false, true],
        [2, 3, 4, 5, 6, 3, 1, 3, true, true],
        [3, 16, 16, 8, 8, 3, 1, 1, true, false],
        [2, 16, 32, 8, 8, 3, 2, 1, true, false],
        [18, 5, 37, 6, 5, 3, 1, 1, true, true],
    ];

    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(Geometries);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_AnyGeometryAtEveryWidth_MatchesTheChainRule(int width, int n, int c, int o, int h, int w, int k, int stride, int padding, bool withInGrad, bool withBias)
    {
        Check(new ConvBackwardWorkspace(), n, c, o, h, w, k, stride, padding, withInGrad, withBias, (SimdWidth)width);
    }

    [Fact]
    public void Backward_WorkspaceReusedAcrossGeometries_StaysCorrect()
    {
        var workspace = new ConvBackwardWorkspace();

        Check(workspace, 17, 3, 5, 7, 6, 3, 1, 1, true, true);
        Check(workspace, 2, 3, 4, 9, 8, 3, 2, 1, true, true);
        Check(workspace, 40, 3, 5, 7, 6, 3, 1, 1, true, true);
        Check(workspace, 40, 3, 5, 7, 6, 3, 1, 1, false, true);
        Check(workspace, 3, 3, 5, 7, 6, 3, 1, 4, true, true);
    }

    private static void Check(ConvBackwardWorkspace workspace, int n, int c, int o, int h, int w, int k, int stride, int padding, bool withInGrad, bool withBias, SimdWidth? width = null)
    {
        var random = new Random(n + c + (3 * o) + h + w + k + stride + padding);
        int oh = ((h + (2 * padding) - k) / stride) + 1, ow = ((w + (2 * padding) - k) / stride) + 1;
        var g = new ConvGeometry(n, c, h, w, o, k, stride, padding, oh, ow);
        float[] input = KernelData.Uniform(random, n * c * h * w);
        float[] weight = KernelData.Uniform(random, o * c * k * k);
        float[] outGrad = KernelData.Uniform(random, n * o * oh * ow);
        float[] weightGrad = KernelData.Uniform(random, weight.Length), initialWeightGrad = (float[])weightGrad.Clone();
        float[] biasGrad = KernelData.Uniform(random, o), initialBiasGrad = (float[])biasGrad.Clone();
        float[]? inGrad = withInGrad ? [.. Enumerable.Repeat(float.NaN, input.Length)] : null;

        Conv2dBackwardKernel.Backward(input, weight, outGrad, inGrad, weightGrad, withBias ? biasGrad : null, g, workspace, width ?? SimdSupport.Best);

        (double[] dx, double[] dw, double[] db) = NaiveGradients.Conv2d(
            KernelData.ToDouble(input), n, c, h, w, KernelData.ToDouble(weight), o, k, stride, padding, KernelData.ToDouble(outGrad));
        string because = $"n {n}, {c}→{o}, {h}×{w}, k {k}, stride {stride}, padding {padding}";
        weightGrad.Should().BeCloseTo(Plus(initialWeightGrad, dw), atol: 1e-4, rtol: 1e-5, because: because);
        biasGrad.Should().BeCloseTo(withBias ? Plus(initialBiasGrad, db) : initialBiasGrad, atol: 1e-4, rtol: 1e-5, because: because);
        inGrad?.Should().BeCloseTo(KernelData.ToFloat(dx), atol: 1e-5, rtol: 1e-5, because: because);
    }

    private static float[] Plus(float[] initial, double[] gradient) => [.. initial.Select((v, i) => (float)(v + gradient[i]))];
}
