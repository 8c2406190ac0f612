using LeNet.Models.Vision;

namespace LeNet.Tests.Models.Vision;

/// <summary>TorchVision.GetModel: names as torchvision spells them, and a clear error for a name it does not know.</summary>
public class TorchVisionTests
{
    [Fact]
    public void ListModels_EveryName_IsATorchVisionArchitecture()
    {
        IReadOnlyList<string> names = TorchVision.ListModels();

        names.Should().NotBeEmpty();
        VisionGolden.Names.Should().Contain(names);
        names.Should().BeInAscendingOrder(StringComparer.Ordinal);
    }

    [Fact]
    public void GetModel_SqueezeNetWithTenClasses_HasTorchVisionsKeysAndCount()
    {
        TorchVision.GetModel("squeezenet1_1", numClasses: 10).ShouldMatchTorchVision("squeezenet1_1", numClasses: 10);
    }

    [Fact]
    public void GetModel_AnUnknownName_SuggestsTheCloseOnes()
    {
        Action act = () => TorchVision.GetModel("mobilenet_v4");

        act.Should().Throw<ArgumentException>().WithMessage("TorchVision.GetModel: no architecture named 'mobilenet_v4'; did you mean *mobilenet_v3_small*");
    }
}
