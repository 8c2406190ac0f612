using System.Text.RegularExpressions;

namespace LeNet.Tests.Cli;

/// <summary><c>lenet summary --model torchvision:NAME</c> (an injected <see cref="TinyClassifier"/>) and <c>--model resnet</c>: rows by state-dict path, totals, <c>--input</c>.</summary>
public class SummaryModuleTests
{
    private static string[] Lines(string stdout) => stdout.Split('\n', StringSplitOptions.TrimEntries);

    [Fact]
    public void Summary_CatalogModel_PrintsRowsByPathAndTheTotals()
    {
        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "summary", "--model", "torchvision:tiny", "--num-classes", "7");

        code.Should().Be(0, stderr);
        string[] lines = Lines(stdout);
        lines[0].Should().Be("torchvision:tiny (TinyClassifier, 7 classes), input [1, 3, 224, 224]:");
        lines.Should().Contain(l => Regex.IsMatch(l, @"^\| 0 +\| features\.0 +\| Conv2d +\| \[1, 3, 224, 224\] +\| +12 \| +[\d,]+ \|$"), stdout);
        lines.Should().Contain(l => Regex.IsMatch(l, @"^\| \d +\| avgpool +\| AdaptiveAvgPool2d +\| \[1, 3, 1, 1\] +\| +0 \|"), stdout);
        lines.Should().Contain(l => Regex.IsMatch(l, @"^\| \d +\| fc +\| Linear +\| \[1, 7\] +\| +28 \| +[\d,]+ \|$"), stdout);
        lines.Should().Contain("Total parameters: 40");
        lines.Should().Contain(l => l.StartsWith("FLOPs per image: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Summary_InputOption_SetsTheShape()
    {
        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "summary", "--model", "torchvision:tiny", "--num-classes", "7", "--input", "2,3,32,32");

        code.Should().Be(0, stderr);
        Lines(stdout)[0].Should().Be("torchvision:tiny (TinyClassifier, 7 classes), input [2, 3, 32, 32]:");
        stdout.Should().Contain("[2, 3, 32, 32]").And.Contain("[2, 7]");
    }

    [Fact]
    public void Summary_ResNetRecipesNetwork_ListsTheResidualBlocksAndTheirAdditions()
    {
        (int code, string stdout, string stderr) = Lenet.Run("summary", "--model", "resnet");

        code.Should().Be(0, stderr);
        string[] lines = Lines(stdout);
        lines[0].Should().Be("stem.0: Conv2d output shape: [1, 32, 28, 28]");
        lines.Should().Contain("stage2.0.conv3: Conv2d output shape: [1, 64, 14, 14]").And.Contain("fc: Linear output shape: [1, 10]").And.Contain("Total parameters: 308,362");
        lines.Count(l => Regex.IsMatch(l, @"^\| \d+ +\| +\| add ")).Should().Be(3, "one residual addition per block: {0}", stdout);
        lines.Should().Contain(l => Regex.IsMatch(l, @"^\| \d+ +\| stage3\.0\.conv2 +\| Conv2d +\| \[1, 128, 7, 7\] +\| +147,584 \|"), stdout);
    }

    [Theory]
    [InlineData(new[] { "--input", "1,x" }, "*--input takes positive whole numbers*")]
    [InlineData(new[] { "--num-classes", "5" }, "*--num-classes applies to --model torchvision:NAME*")]
    [InlineData(new[] { "--input", "1,3,28,28" }, "*lenet does not take an input [1, 3, 28, 28]: *")]
    [InlineData(new[] { "--model", "torchvision:other" }, "*no architecture named 'other'*")]
    public void Summary_BadArguments_ExitUsage(string[] arguments, string message)
    {
        (int code, _, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, ["summary", .. arguments]);

        code.Should().Be(1);
        Lenet.OneLine(stderr).Should().Match(message);
    }
}
