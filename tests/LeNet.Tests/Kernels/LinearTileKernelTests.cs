using LeNet.Kernels.Activations;
using LeNet.Kernels.Simd;
using LeNet.Kernels.Tiles;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>The dense layer on a tile (both register blockings) against y = act(b + Σ_i W[o,i]·x[i]) in double, at every width and lane group.</summary>
public class LinearTileKernelTests
{
    private const int L = TileMap.Lanes;

    // (in, out, activation): out 1 (one output of a block), 7 (a partial block), 8 (one full block), 10 and
    // 17 (a full block and a partial one), 84 and 120 (LeNet's); in 1 and odd counts.
    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(
    [
        [1, 1, NaiveActivations.Identity],
        [5, 7, NaiveActivations.Relu],
        [3, 8, NaiveActivations.Sigmoid],
        [84, 10, NaiveActivations.Identity],
        [13, 17, NaiveActivations.Sigmoid],
        [120, 84, NaiveActivations.Relu],
        [400, 120, NaiveActivations.Sigmoid],
    ]);

    /// <summary>ForwardPair covers two vectors of images per call: Vector512 (16 lanes) cannot pair inside a tile of 16.</summary>
    public static IEnumerable<object[]> PairConfigurations => Configurations.Where(row => (int)row[0] != (int)SimdWidth.Vector512);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_EveryWidth_MatchesTheDenseFormula(int width, int inFeatures, int outFeatures, string activation)
    {
        (float[] input, float[] weight, float[] bias, float[] packed, float[] paddedBias) = Arrange(inFeatures, outFeatures);
        float[] output = [.. Enumerable.Repeat(float.NaN, (outFeatures * L) + 3)];

        AtWidth.EveryLaneGroup(width, new Call(false, activation, input, inFeatures, packed, paddedBias, output, outFeatures));

        output.Should().BeCloseTo(Expected(input, weight, bias, inFeatures, outFeatures, activation), atol: 2e-5, rtol: 1e-5);
    }

    [Theory]
    [MemberData(nameof(PairConfigurations))]
    public void ForwardPair_EveryWidth_MatchesTheDenseFormula(int width, int inFeatures, int outFeatures, string activation)
    {
        (float[] input, float[] weight, float[] bias, float[] packed, float[] paddedBias) = Arrange(inFeatures, outFeatures);
        float[] output = [.. Enumerable.Repeat(float.NaN, (outFeatures * L) + 3)];

        AtWidth.EveryLaneGroup(width, new Call(true, activation, input, inFeatures, packed, paddedBias, output, outFeatures), groupVectors: 2);

        output.Should().BeCloseTo(Expected(input, weight, bias, inFeatures, outFeatures, activation), atol: 2e-5, rtol: 1e-5);
    }

    /// <summary>
    /// The outputs in parts of whole blocks (1, 2 and 3 parts, some empty when there are fewer blocks, run last part
    /// first), as a call's one tile splits them across threads: the union is the whole call's bits, and nothing past the
    /// outputs is written.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_InParts_SameBitsAsWhole(int width, int inFeatures, int outFeatures, string activation)
    {
        (float[] input, _, _, float[] packed, float[] paddedBias) = Arrange(inFeatures, outFeatures);
        var results = new List<float[]>();
        foreach (bool pair in width == (int)SimdWidth.Vector512 ? [false] : new[] { false, true })
        {
            foreach (int parts in new[] { 0, 1, 2, 3 })
            {
                float[] output = [.. Enumerable.Repeat(float.NaN, (outFeatures * L) + 3)];
                AtWidth.EveryLaneGroup(width, new Call(pair, activation, input, inFeatures, packed, paddedBias, output, outFeatures, parts), groupVectors: pair ? 2 : 1);
                results.Add(output);
            }
        }

        results[0].Take(outFeatures * L).Should().NotContain(float.NaN, "the whole call writes every output");

        // One part alone writes its blocks' outputs and nothing else.
        int blocks = (outFeatures + LinearTileKernel.Block - 1) / LinearTileKernel.Block, firstOutput = blocks / 2 * LinearTileKernel.Block;
        float[] half = [.. Enumerable.Repeat(float.NaN, (outFeatures * L) + 3)];
        AtWidth.EveryLaneGroup(width, new Call(false, activation, input, inFeatures, packed, paddedBias, half, outFeatures, Parts: 2, OnlyPart: 1));
        half.Take(firstOutput * L).Count(v => !float.IsNaN(v)).Should().Be(0, "the first part's outputs are not the second part's to write");
        half.Skip(firstOutput * L).Take((outFeatures - firstOutput) * L).Should().Equal(results[0].Skip(firstOutput * L).Take((outFeatures - firstOutput) * L));
        results.Should().AllSatisfy(r => r.Should().Equal(results[0], (a, e) => a.Equals(e)));
    }

    private static (float[] Input, float[] Weight, float[] Bias, float[] Packed, float[] PaddedBias) Arrange(int inFeatures, int outFeatures)
    {
        var random = new Random((31 * inFeatures) + outFeatures);
        float[] input = KernelData.Uniform(random, inFeatures * L);
        float[] weight = KernelData.Uniform(random, outFeatures * inFeatures, 1f / MathF.Sqrt(inFeatures));
        float[] bias = KernelData.Uniform(random, outFeatures);
        int blocks = (outFeatures + LinearTileKernel.Block - 1) / LinearTileKernel.Block;
        var paddedBias = new float[blocks * LinearTileKernel.Block];
        bias.CopyTo(paddedBias, 0);
        return (input, weight, bias, LinearTileKernel.PackWeights(weight, outFeatures, inFeatures), paddedBias);
    }

    /// <summary>out[o·16 + t] for every image t of the tile; the floats past the outputs stay NaN (never written).</summary>
    private static float[] Expected(float[] input, float[] weight, float[] bias, int inFeatures, int outFeatures, string activation)
    {
        float[] expected = [.. Enumerable.Repeat(float.NaN, (outFeatures * L) + 3)];
        for (int t = 0; t < L; t++)
        {
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = bias[o];
                for (int i = 0; i < inFeatures; i++)
                {
                    sum += (double)weight[(o * inFeatures) + i] * input[(i * L) + t];
                }

                expected[(o * L) + t] = (float)NaiveActivations.Apply(activation, sum);
            }
        }

        return expected;
    }

    private sealed record Call(bool Pair, string Activation, float[] Input, int InFeatures, float[] Packed, float[] Bias, float[] Output, int OutFeatures, int Parts = 0, int OnlyPart = -1) : IWidthCall
    {
        public void Run<TOps, TVec>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
        {
            switch (Activation)
            {
                case NaiveActivations.Sigmoid:
                    Run<TOps, TVec, SigmoidActivation>(lane);
                    break;
                case NaiveActivations.Relu:
                    Run<TOps, TVec, ReluActivation>(lane);
                    break;
                default:
                    Run<TOps, TVec, NoActivation>(lane);
                    break;
            }
        }

        private void Run<TOps, TVec, TAct>(int lane)
            where TOps : ISimdOps<TVec>
            where TVec : struct
            where TAct : IActivation
        {
            if (Parts > 0)
            {
                int blocks = (OutFeatures + LinearTileKernel.Block - 1) / LinearTileKernel.Block;
                for (int part = Parts - 1; part >= 0; part--)
                {
                    if (OnlyPart >= 0 && part != OnlyPart)
                    {
                        continue;
                    }

                    int first = blocks * part / Parts, end = blocks * (part + 1) / Parts;
                    if (Pair)
                    {
                        LinearTileKernel.ForwardPair<TOps, TVec, TAct>(Input, InFeatures, Packed, Bias, Output, OutFeatures, lane, first, end);
                    }
                    else
                    {
                        LinearTileKernel.Forward<TOps, TVec, TAct>(Input, InFeatures, Packed, Bias, Output, OutFeatures, lane, first, end);
                    }
                }
            }
            else if (Pair)
            {
                LinearTileKernel.ForwardPair<TOps, TVec, TAct>(Input, InFeatures, Packed, Bias, Output, OutFeatures, lane);
            }
            else
            {
                LinearTileKernel.Forward<TOps, TVec, TAct>(Input, InFeatures, Packed, Bias, Output, OutFeatures, lane);
            }
        }
    }
}
