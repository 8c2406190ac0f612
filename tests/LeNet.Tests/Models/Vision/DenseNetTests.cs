using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// torchvision's DenseNets against real PyTorch: the state dict's keys (<c>features.denseblock1.denselayer1.norm1.weight</c>,
/// <c>features.transition1.conv.weight</c>), order and shapes with the parameter counts, evaluation and training-mode
/// logits with deterministic weights, and one training step of densenet121.
/// </summary>
public class DenseNetTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => ["densenet121", "densenet161", "densenet169", "densenet201"];

    [Theory]
    [MemberData(nameof(Names))]
    public void Build_TorchVisionName_StateDictAndParameterCountsMatch(string name) =>
        ResNetFamilyGolden.CheckStructure(name);

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_DeterministicWeights_MatchesPyTorchLogits(string name) =>
        ResNetFamilyGolden.CheckOutputs(name, output);

    [Fact]
    public void TrainingStep_DenseNet121_MatchesPyTorchGradients() =>
        ResNetFamilyGolden.CheckTrainingStep("densenet121", output);

    [Fact]
    public void EvaluationModeStep_DenseNet121_MatchesFloat64Gradients() =>
        ResNetFamilyGolden.CheckEvaluationStep("densenet121", output);
}
