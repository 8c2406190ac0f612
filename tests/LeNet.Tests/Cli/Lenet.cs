using LeNet.Cli;

namespace LeNet.Tests.Cli;

/// <summary>Runs the lenet tool in-process, as a script would, and reads what it printed.</summary>
internal static class Lenet
{
    public static string Digits => Path.Combine(AppContext.BaseDirectory, "Cli", "digits");

    public static (int Code, string Stdout, string Stderr) Run(params string[] args) => Run(null, args, CancellationToken.None);

    public static (int Code, string Stdout, string Stderr) Run(CancellationToken cancellation, params string[] args) => Run(null, args, cancellation);

    /// <summary>Runs the tool with <paramref name="models"/> as the architectures <c>--model torchvision:NAME</c> names.</summary>
    public static (int Code, string Stdout, string Stderr) RunWith(ModelCatalog models, params string[] args) => Run(models, args, CancellationToken.None);

    private static (int Code, string Stdout, string Stderr) Run(ModelCatalog? models, string[] args, CancellationToken cancellation)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = LeNetCommand.Run(args, output, error, isTerminal: false, models, cancellation);
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
