using LeNet.Cli;

namespace LeNet.Tests.Cli;

/// <summary>Runs the lenet tool in-process, as a script would, and reads what it printed.</summary>
internal static class Lenet
{
    public static string Digits => Path.Combine(AppContext.BaseDirectory, "Cli", "digits");

    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => Run(CancellationToken.None, args);

    public static (int Code, string Stdout, string Stderr) Run(CancellationToken cancellation, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = LeNetCommand.Run(args, output, error, isTerminal: false, cancellation);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The text, which must be exactly one line.</summary>
    public static string OneLine(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle("an error is one line on stderr, got: {0}", text);
        return lines[0].TrimEnd('\r');
    }
}
