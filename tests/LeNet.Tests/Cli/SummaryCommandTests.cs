using LeNet.Cli;

namespace LeNet.Tests.Cli;

public class SummaryCommandTests
{
    [Fact]
    public void Summary_PrintsTheSeedsTwelveShapesAndTotal()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = LeNetCommand.Run(["summary"], output, error);

        code.Should().Be(0);
        error.ToString().Should().BeEmpty();
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCount(13);
        lines[0].Should().Be("Conv2d output shape: [1, 6, 28, 28]");
        lines[5].Should().Be("AvgPool2d output shape: [1, 16, 5, 5]");
        lines[11].Should().Be("Linear output shape: [1, 10]");
        lines[12].Should().Be("Total parameters: 61,706");
    }

    [Fact]
    public void UnknownCommand_ExitsNonZero()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        int code = LeNetCommand.Run(["frobnicate"], output, error);

        code.Should().NotBe(0);
        error.ToString().Should().Contain("frobnicate");
    }
}
