using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// torchvision's ResNet family (resnet, resnext, wide_resnet) against real PyTorch: the state dict's keys, order and
/// shapes with the parameter counts, evaluation and training-mode logits with deterministic weights, and one training
/// step of resnet18 and resnet50.
/// </summary>
public class ResNetTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names =>
    [
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    ];

    public static TheoryData<string> TrainingNames => ["resnet18", "resnet50"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Build_TorchVisionName_StateDictAndParameterCountsMatch(string name) =>
        ResNetFamilyGolden.CheckStructure(name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_DeterministicWeights_MatchesPyTorchLogits(string name) =>
        ResNetFamilyGolden.CheckOutputs(name, output);

    [Theory]
    [MemberData(nameof(TrainingNames))]
    public void TrainingStep_DeterministicWeights_MatchesPyTorchGradients(string name) =>
        ResNetFamilyGolden.CheckTrainingStep(name, output);

    [Theory]
    [MemberData(nameof(TrainingNames))]
    public void EvaluationModeStep_DeterministicWeights_MatchesFloat64Gradients(string name) =>
        ResNetFamilyGolden.CheckEvaluationStep(name, output);

    [Fact]
    public void ResNetModels_EveryFamilyName_IsListedOnceInTorchVisionOrder()
    {
        string[] listed = [.. LeNet.Models.Vision.TorchVision.ResNetModels.Select(m => m.Name)];
        string[] family = [.. VisionGolden.Names.Where(n => n.StartsWith("resnet", StringComparison.Ordinal) || n.StartsWith("resnext", StringComparison.Ordinal) || n.StartsWith("wide_resnet", StringComparison.Ordinal) || n.StartsWith("densenet", StringComparison.Ordinal))];
        listed.Should().Equal(family, "the manifest lists torchvision's names in its order");
    }
}
