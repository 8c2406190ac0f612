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
    [InlineData(LeNetVariant.Modern, "modern")]
    [InlineData(LeNetVariant.Classic, "classic")]
    public void Pretrained_CountedOnTheCommittedMnistTestImages_AgreesWithItsMetadata(LeNetVariant variant, string recipe)
    {
        IReadOnlyDictionary<string, string> metadata = LeNetFactory.PretrainedMetadata(variant);
        metadata["recipe"].Should().Be(recipe);
        int.Parse(metadata["epochs"], CultureInfo.InvariantCulture).Should().BePositive();
        metadata.Should().ContainKey("seed");
        metadata["library"].Should().StartWith("LeNet ");

        // The accuracy counted here, not read: the first 500 MNIST test images (committed, tests/LeNet.Tests/Data/
        // mnist-subset), pixels / 255 from the IDX bytes, each layer's own Forward in evaluation mode, argmax by hand.
        Sequential model = LeNetFactory.CreatePretrained(variant);
        IdxArray images = IdxReader.Read(Path.Combine(MnistTests.Subset, "t10k-images-idx3-ubyte.gz"));
        IdxArray labels = IdxReader.Read(Path.Combine(MnistTests.Subset, "t10k-labels-idx1-ubyte.gz"));
        ReadOnlySpan<byte> pixels = images.AsSpan<byte>(), classes = labels.AsSpan<byte>();
        int n = classes.Length;
        var x = new float[n * 784];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = pixels[i] / 255f;
        }

        float[] logits = model.ForwardLayers(Tensor.FromArray(x, n, 1, 28, 28)).ToArray();
        int correct = 0;
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int c = 1; c < 10; c++)
            {
                best = logits[(i * 10) + c] > logits[(i * 10) + best] ? c : best;
            }

            correct += best == classes[i] ? 1 : 0;
        }

        n.Should().Be(500);
        double counted = correct / (double)n;
        counted.Should().BeGreaterThan(0.97, $"{variant}: {correct} of {n} right");
        double recorded = double.Parse(metadata["test_accuracy"], CultureInfo.InvariantCulture);
        counted.Should().BeApproximately(recorded, 0.02, "the accuracy the metadata records (on all 10,000 test images) is near the one counted on the first 500");
        Trainer.Evaluate(model, Mnist.Load(MnistTests.Subset).Test).Correct.Should().Be(correct, "Trainer.Evaluate counts the same");
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
