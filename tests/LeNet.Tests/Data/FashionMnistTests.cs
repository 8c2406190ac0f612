using LeNet.Data;

namespace LeNet.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void ClassNames_AreZalandosTenLabelsInOrder()
    {
        // From the label table of zalandoresearch/fashion-mnist's README.
        FashionMnist.ClassNames.Should().Equal(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    }

    [Fact]
    public void Load_DebianFolder_GivesTheTwoSplitsWithTenBalancedClasses()
    {
        Mnist fashion = FashionMnist.Load(FashionMnist.DebianDirectory);

        fashion.Train.Count.Should().Be(60_000);
        fashion.Test.Count.Should().Be(10_000);
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        fashion.Train.Labels.ToArray().GroupBy(l => l).Select(g => g.Count()).Should().AllBeEquivalentTo(6_000);
        fashion.Test.Labels.ToArray().GroupBy(l => l).Select(g => g.Count()).Should().AllBeEquivalentTo(1_000);
        fashion.Test.Labels[0].Should().Be(9, "the first test image is an ankle boot");
    }

    [Fact]
    public async Task FindLocalAsync_EmptyCacheAndDebianPackage_FindsDebiansFolder()
    {
        using var temp = new TempFolder();
        var downloader = new FashionMnistDownloader(temp.File("cache"), new Uri("https://example.invalid/"));

        (await FashionMnist.FindLocalAsync(downloader)).Should().Be(FashionMnist.DebianDirectory);
    }
}
