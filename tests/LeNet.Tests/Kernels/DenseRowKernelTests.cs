using LeNet.Kernels;
using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>The one-row dense kernel (vectorized over outputs) against y = act(b + Σ_i W[o,i]·x[i]) in double, at every width.</summary>
public class DenseRowKernelTests
{
    // (in, out, activation): padded outputs 16 (one vector at 512 bits; 8 + 4 + 4×1 scalars), 32, 64 (the
    // 4-vector block at 512 bits), 128 (the 8-vector block), 208 (8 + 4 + 1 vectors at 512 bits); outputs
    // not a multiple of 16 (the padded ones are computed and ignored); in 1 and odd counts.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [1, 1, NaiveActivations.Identity],
        [7, 10, NaiveActivations.Sigmoid],
        [84, 17, NaiveActivations.Relu],
        [5, 64, NaiveActivations.Identity],
        [120, 84, NaiveActivations.Sigmoid],
        [3, 128, NaiveActivations.Relu],
        [257, 200, NaiveActivations.Sigmoid],
    ]);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_EveryWidth_MatchesTheDenseFormula(int width, int inFeatures, int outFeatures, string activation)
    {
        var random = new Random((17 * inFeatures) + outFeatures);
        float[] input = KernelData.Uniform(random, inFeatures);
        float[] weight = KernelData.Uniform(random, outFeatures * inFeatures, 1f / MathF.Sqrt(inFeatures));
        float[] bias = KernelData.Uniform(random, outFeatures);
        int padded = DenseRowKernel.PaddedOutputs(outFeatures);
        var paddedBias = new float[padded];
        bias.CopyTo(paddedBias, 0);
        float[] packed = DenseRowKernel.PackWeights(weight, outFeatures, inFeatures);
        var output = new float[padded];

        AtWidth.Once(width, new Call(activation, input, packed, paddedBias, output));

        var expected = new float[outFeatures];
        for (int o = 0; o < outFeatures; o++)
        {
            double sum = bias[o];
            for (int i = 0; i < inFeatures; i++)
            {
                sum += (double)input[i] * weight[(o * inFeatures) + i];
            }

            expected[o] = (float)NaiveActivations.Apply(activation, sum);
        }

        output[..outFeatures].Should().BeCloseTo(expected, atol: 2e-5, rtol: 1e-5);
    }

    private sealed record Call(string Activation, float[] Input, float[] Packed, float[] Bias, float[] Output) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            switch (Activation)
            {
                case NaiveActivations.Sigmoid:
                    DenseRowKernel.Forward<TOps, TVec, SigmoidActivation>(Input, Packed, Bias, Output);
                    break;
                case NaiveActivations.Relu:
                    DenseRowKernel.Forward<TOps, TVec, ReluActivation>(Input, Packed, Bias, Output);
                    break;
                default:
                    DenseRowKernel.Forward<TOps, TVec, NoActivation>(Input, Packed, Bias, Output);
                    break;
            }
        }
    }
}
