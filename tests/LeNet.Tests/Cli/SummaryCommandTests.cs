namespace LeNet.Tests.Cli;

public class SummaryCommandTests
{
    [Fact]
    public void Summary_PrintsTheSeedsTwelveShapesTotalAndFlops()
    {
        (int code, string stdout, string stderr) = Lenet.Run("summary");

        code.Should().Be(0);
        stderr.Should().BeEmpty();
        string[] lines = stdout.Split('\n', StringSplitOptions.TrimEntries);
        lines[..14].Should().Equal(
            "Conv2d output shape: [1, 6, 28, 28]",
            "Sigmoid output shape: [1, 6, 28, 28]",
            "AvgPool2d output shape: [1, 6, 14, 14]",
            "Conv2d output shape: [1, 16, 10, 10]",
            "Sigmoid output shape: [1, 16, 10, 10]",
            "AvgPool2d output shape: [1, 16, 5, 5]",
            "Flatten output shape: [1, 400]",
            "Linear output shape: [1, 120]",
            "Sigmoid output shape: [1, 120]",
            "Linear output shape: [1, 84]",
            "Sigmoid output shape: [1, 84]",
            "Linear output shape: [1, 10]",
            "Total parameters: 61,706",
            "FLOPs per image: 833,040 (0.833 MFLOP, 2 per multiply-add)");
        lines.Should().Contain(l => l.StartsWith("| 3 ", StringComparison.Ordinal) && l.Contains("Conv2d") && l.Contains("2,416") && l.Contains("480,000"));
    }

    [Fact]
    public void Summary_Modern_ShowsReLUAndMaxPool()
    {
        (int code, string stdout, _) = Lenet.Run("summary", "--model", "modern");

        code.Should().Be(0);
        stdout.Should().StartWith("Conv2d output shape: [1, 6, 28, 28]\nReLU output shape: [1, 6, 28, 28]\nMaxPool2d output shape: [1, 6, 14, 14]");
    }

    [Fact]
    public void UnknownCommand_ExitsUsage()
    {
        (int code, _, string stderr) = Lenet.Run("frobnicate");

        code.Should().Be(1);
        stderr.Should().Contain("frobnicate");
    }

    [Fact]
    public void Help_ListsEveryCommand()
    {
        (int code, string stdout, _) = Lenet.Run("--help");

        code.Should().Be(0);
        foreach (string command in new[] { "summary", "train", "evaluate", "predict", "export", "bench" })
        {
            stdout.Should().Contain(command);
        }
    }

    [Fact]
    public void Version_PrintsTheVersion()
    {
        (int code, string stdout, _) = Lenet.Run("--version");

        code.Should().Be(0);
        stdout.Trim().Should().MatchRegex(@"^\d+\.\d+\.\d+");
    }
}
