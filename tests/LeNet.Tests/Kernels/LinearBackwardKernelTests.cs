using LeNet.Kernels;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Linear's backward pass against the chain rule of y = x·Wᵀ + b in double: one row, row counts across
/// several chunks of 16, feature counts off the vector width, with and without the input and bias
/// gradients. dW and db accumulate; dX is overwritten.
/// </summary>
public class LinearBackwardKernelTests
{
    public static TheoryData<int, int, int, bool, bool> Configurations => new()
    {
        { 1, 1, 1, true, true },
        { 1, 400, 120, true, true },
        { 17, 7, 10, true, true },
        { 33, 84, 17, true, false },
        { 16, 120, 84, false, true },
        { 5, 3, 33, false, false },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Backward_AnySize_MatchesTheChainRule(int rows, int inFeatures, int outFeatures, bool withInGrad, bool withBias)
    {
        var random = new Random(rows + (5 * inFeatures) + outFeatures);
        float[] input = KernelData.Uniform(random, rows * inFeatures);
        float[] weight = KernelData.Uniform(random, outFeatures * inFeatures);
        float[] outGrad = KernelData.Uniform(random, rows * outFeatures);
        float[] weightGrad = KernelData.Uniform(random, weight.Length), initialWeightGrad = (float[])weightGrad.Clone();
        float[] biasGrad = KernelData.Uniform(random, outFeatures), initialBiasGrad = (float[])biasGrad.Clone();
        float[]? inGrad = withInGrad ? [.. Enumerable.Repeat(float.NaN, input.Length)] : null;

        LinearBackwardKernel.Backward(input, weight, outGrad, inGrad, weightGrad, withBias ? biasGrad : null, rows, inFeatures, outFeatures);

        (double[] dx, double[] dw, double[] db) = NaiveGradients.Linear(
            KernelData.ToDouble(input), rows, inFeatures, KernelData.ToDouble(weight), outFeatures, KernelData.ToDouble(outGrad));
        string because = $"[{rows}, {inFeatures}] → {outFeatures}";
        weightGrad.Should().BeCloseTo(Plus(initialWeightGrad, dw), atol: 1e-5, rtol: 1e-5, because: because);
        biasGrad.Should().BeCloseTo(withBias ? Plus(initialBiasGrad, db) : initialBiasGrad, atol: 1e-5, rtol: 1e-5, because: because);
        inGrad?.Should().BeCloseTo(KernelData.ToFloat(dx), atol: 1e-5, rtol: 1e-5, because: because);
    }

    private static float[] Plus(float[] initial, double[] gradient) => [.. initial.Select((v, i) => (float)(v + gradient[i]))];
}
