using LeNet.Models.Vision;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// ConvNeXt Tiny/Small/Base/Large against torchvision 0.14.1 (Golden/torchvision): the state dicts (with
/// <c>layer_scale</c> [C, 1, 1]), LayerNorm eps 1e-6, the stochastic-depth probabilities, the logits with
/// deterministic weights, and convnext_tiny's training step.
/// </summary>
[Collection(ScaledVisionGroup.Name)]
public class ConvNeXtTests(ITestOutputHelper output)
{
    private const string Prefix = "convnext_";

    public static TheoryData<string> Names => ScaledVisionChecks.NamesStartingWith(Prefix);

    [Fact]
    public void ScaledModels_ConvNeXts_AreTorchVisionsNames()
    {
        ScaledVisionChecks.FamilyNames(Prefix).Should().Equal(VisionGolden.Names.Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Create_TorchVisionName_HasTorchVisionsStateDictAndModules(string name) => ScaledVisionChecks.Manifest(name, output);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_DeterministicWeights_MatchesTorchVisionsLogits(string name) => ScaledVisionChecks.Outputs(name, output);

    [Fact]
    public void Backward_ConvNeXtTiny_MatchesTorchVisionsTrainingStep() => ScaledVisionChecks.TrainingStep("convnext_tiny", output);

    [Fact]
    public void LayerNorm2d_ImageTensor_NormalizesEachPixelsChannels()
    {
        var norm = new LayerNorm2d(3, eps: 1e-6f);
        Tensor input = VisionGolden.Input(2, 3, 4, 5);

        float[] actual = norm.Forward(input).ToArray();

        // Naive: for each (n, h, w), the 3 channel values normalized by their mean and biased variance.
        float[] x = input.ToArray();
        var expected = new float[x.Length];
        for (int n = 0; n < 2; n++)
        {
            for (int p = 0; p < 20; p++)
            {
                int[] at = [.. Enumerable.Range(0, 3).Select(c => (((n * 3) + c) * 20) + p)];
                double mean = at.Average(i => (double)x[i]);
                double variance = at.Average(i => (x[i] - mean) * (x[i] - mean));
                foreach (int i in at)
                {
                    expected[i] = (float)((x[i] - mean) / Math.Sqrt(variance + 1e-6));
                }
            }
        }

        actual.Should().BeCloseTo(expected, 1e-5, 1e-5);
        norm.StateDict().Keys.Should().Equal("weight", "bias");
    }

    [Fact]
    public void CNBlock_New_LayerScaleIsTheGivenValuePerChannel()
    {
        var block = new CNBlock(8, 1e-6f, 0f);

        block.LayerScale.Value.Shape.ToArray().Should().Equal(8, 1, 1);
        block.LayerScale.Value.ToArray().Should().AllBeEquivalentTo(1e-6f);
        block.StateDict().Keys.Should().Equal(
            "layer_scale", "block.0.weight", "block.0.bias", "block.2.weight", "block.2.bias", "block.3.weight", "block.3.bias", "block.5.weight", "block.5.bias");
    }
}
