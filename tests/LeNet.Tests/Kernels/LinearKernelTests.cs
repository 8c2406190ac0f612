using System.Numerics.Tensors;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

public class LinearKernelTests
{
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void Forward_RowsFeaturesAndOutputsHittingEveryTail_MatchNaiveReference(int width)
    {
        var random = new Random(3);
        foreach (int rows in new[] { 1, 2, 3, 5, 16, 33, 70 })
        {
            foreach (int inFeatures in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33, 400 })
            {
                foreach (int outFeatures in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 10, 17 })
                {
                    Tensor input = Arrays.Random(random, rows, inFeatures);
                    // PyTorch's init range, U(−1/√in, 1/√in), keeps the sums O(1) as in a real layer.
                    Tensor weight = Arrays.Random(random, outFeatures, inFeatures);
                    TensorPrimitives.Multiply(weight.AsSpan(), 1f / MathF.Sqrt(inFeatures), weight.AsSpan());
                    Tensor? bias = outFeatures % 2 == 0 ? Arrays.Random(random, outFeatures) : null;
                    var output = new Tensor(rows, outFeatures);

                    LinearKernel.Forward(input.AsSpan(), weight.AsSpan(), bias is null ? default : bias.AsSpan(), output.AsSpan(), rows, inFeatures, outFeatures, (SimdWidth)width);

                    float[,] expected = NaiveLayers.Linear(Arrays.To2D(input), Arrays.To2D(weight), bias?.ToArray());
                    output.ToArray().Should().BeCloseTo(Arrays.Flat(expected), atol: 1e-5, because: $"[{rows}, {inFeatures}] → {outFeatures}");
                }
            }
        }
    }
}
