using LeNet.Models.Vision;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// Every RegNetX and RegNetY of torchvision 0.14.1 against its fixtures (Golden/torchvision): the state dicts (which
/// pin BlockParams' widths, depths and group widths), the logits with deterministic weights, and the training steps
/// of regnet_x_400mf and regnet_y_400mf.
/// </summary>
[Collection(ScaledVisionGroup.Name)]
public class RegNetTests(ITestOutputHelper output)
{
    private const string Prefix = "regnet_";

    public static TheoryData<string> Names => ScaledVisionChecks.NamesStartingWith(Prefix);

    [Fact]
    public void ScaledModels_RegNets_AreTorchVisionsNames()
    {
        ScaledVisionChecks.FamilyNames(Prefix).Should().Equal(VisionGolden.Names.Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Create_TorchVisionName_HasTorchVisionsStateDictAndModules(string name) => ScaledVisionChecks.Manifest(name, output);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_DeterministicWeights_MatchesTorchVisionsLogits(string name) => ScaledVisionChecks.Outputs(name, output);

    [Theory]
    [InlineData("regnet_x_400mf")]
    [InlineData("regnet_y_400mf")]
    public void Backward_OneTrainingStep_MatchesTorchVisions(string name) => ScaledVisionChecks.TrainingStep(name, output);

    [Fact]
    public void FromInitParams_RegNetY400MF_GivesTorchVisionsStages()
    {
        // torchvision: BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8, se_ratio=0.25).
        BlockParams parameters = BlockParams.FromInitParams(depth: 16, w0: 48, wA: 27.89, wM: 2.09, groupWidth: 8, seRatio: 0.25);

        parameters.Depths.Should().Equal(1, 3, 6, 6);
        parameters.Widths.Should().Equal(48, 104, 208, 440);
        parameters.GroupWidths.Should().Equal(8, 8, 8, 8);
        parameters.Strides.Should().Equal(2, 2, 2, 2);
        parameters.SeRatio.Should().Be(0.25);
    }

    [Fact]
    public void FromInitParams_InvalidSettings_Throws()
    {
        FluentActions.Invoking(() => BlockParams.FromInitParams(depth: 16, w0: 50, wA: 27.89, wM: 2.09, groupWidth: 8))
            .Should().Throw<ArgumentException>().WithMessage("*w_0=50*");
    }
}
