using LeNet.Layers;
using LeNet.Models.Vision;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// EfficientNet B0…B7 and V2-S/M/L against torchvision 0.14.1 (Golden/torchvision): the state dicts, the modules'
/// settings (BatchNorm eps 1e-5 for B0…B4, 1e-3 with momentum 0.01 for B5…B7, 1e-3 for V2; dropout; stochastic
/// depth), the logits with deterministic weights, and efficientnet_b0's training step.
/// </summary>
[Collection(ScaledVisionGroup.Name)]
public class EfficientNetTests(ITestOutputHelper output)
{
    private const string Prefix = "efficientnet_";

    public static TheoryData<string> Names => ScaledVisionChecks.NamesStartingWith(Prefix);

    [Fact]
    public void ScaledModels_EfficientNets_AreTorchVisionsNames()
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
    public void Backward_EfficientNetB0_MatchesTorchVisionsTrainingStep() => ScaledVisionChecks.TrainingStep("efficientnet_b0", output);

    [Fact]
    public void MBConvConfig_WidthAndDepthMultipliers_RoundAsTorchVision()
    {
        // efficientnet_b3's third stage: _make_divisible(24 * 1.2, 8) = 32, _make_divisible(40 * 1.2, 8) = 48, ceil(2 * 1.4) = 3.
        var config = new MBConvConfig(6, 5, 2, 24, 40, 2, widthMult: 1.2, depthMult: 1.4);

        (config.InputChannels, config.OutChannels, config.NumLayers).Should().Be((32, 48, 3));
        MBConvConfig.AdjustDepth(3, 1.1).Should().Be(4, "3 * 1.1 is 3.3000000000000003 in double, and ceil makes it 4");
        MBConvConfigBase.AdjustChannels(16, 6).Should().Be(96);
    }

    [Fact]
    public void MBConv_StrideOneSameChannels_AddsTheInput()
    {
        var residual = new MBConv(new MBConvConfig(6, 3, 1, 16, 16, 1), 0f, channels => new BatchNorm2d(channels));
        var strided = new MBConv(new MBConvConfig(6, 3, 2, 16, 24, 1), 0f, channels => new BatchNorm2d(channels));
        residual.Eval();
        strided.Eval();

        residual.UseResConnect.Should().BeTrue();
        strided.UseResConnect.Should().BeFalse();
        residual.Forward(new Tensor(2, 16, 8, 8)).Shape.ToArray().Should().Equal(2, 16, 8, 8);
        strided.Forward(new Tensor(2, 16, 8, 8)).Shape.ToArray().Should().Equal(2, 24, 4, 4);
        residual.StateDict().Keys.Should().StartWith(["block.0.0.weight", "block.0.1.weight"]).And.Contain("block.2.fc1.weight");
    }
}
