using System.Globalization;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Models;

/// <summary>The weights embedded in the package, checked on the committed MNIST test images.</summary>
public class PretrainedTests
{
    [Theory]
    [InlineData(LeNetVariant.Modern, "Conv2d", "ReLU", "MaxPool2d")]
    [InlineData(LeNetVariant.Classic, "Conv2d", "Sigmoid", "AvgPool2d")]
    public void CreatePretrained_ClassifiesMnistTestImages_InEvalMode(LeNetVariant variant, params string[] firstLayers)
    {
        Sequential model = LeNetFactory.CreatePretrained(variant);

        EvaluationResult result = Trainer.Evaluate(model, Mnist.Load(MnistTests.Subset).Test);

        model.IsTraining.Should().BeFalse();
        model.Take(3).Select(l => l.Name).Should().Equal(firstLayers);
        result.Accuracy.Should().BeGreaterThan(0.97, $"{variant} was trained to ≥ 98 % on the 10,000 test images");
    }

    [Theory]
    [InlineData(LeNetVariant.Modern, "modern", 0.99)]
    [InlineData(LeNetVariant.Classic, "classic", 0.98)]
    public void PretrainedMetadata_RecordsRecipeEpochsSeedVersionAndAccuracy(LeNetVariant variant, string recipe, double minimum)
    {
        IReadOnlyDictionary<string, string> metadata = LeNetFactory.PretrainedMetadata(variant);

        metadata["recipe"].Should().Be(recipe);
        int.Parse(metadata["epochs"], CultureInfo.InvariantCulture).Should().BePositive();
        metadata.Should().ContainKey("seed");
        metadata["library"].Should().StartWith("LeNet ");
        double.Parse(metadata["test_accuracy"], CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(minimum);
    }

    [Fact]
    public void CreatePretrained_EachCallIsIndependent()
    {
        Sequential a = LeNetFactory.CreatePretrained(), b = LeNetFactory.CreatePretrained();

        a.StateDict()["0.bias"].AsSpan()[0] = 1000f;

        b.StateDict()["0.bias"][0].Should().NotBe(1000f);
    }

    [Fact]
    public void CreatePretrained_UnknownVariant_Throws()
    {
        Action act = () => LeNetFactory.CreatePretrained((LeNetVariant)7);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
