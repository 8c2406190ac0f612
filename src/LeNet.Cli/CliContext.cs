using Spectre.Console;

namespace LeNet.Cli;

/// <summary>
/// Where a command writes and how: plain lines when the output is not a terminal (pipes, files, tests),
/// live progress and colour when it is.
/// </summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool isTerminal)
    {
        Output = output;
        Error = error;
        IsTerminal = isTerminal;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = isTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTerminal ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!isTerminal)
        {
            // Pipes and files have no width: never wrap a table row (scripts read one row per line).
            Console.Profile.Width = 240;
        }
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>Whether the output is a terminal a person watches (live progress bars make sense).</summary>
    public bool IsTerminal { get; }

    /// <summary>Spectre.Console over <see cref="Output"/>, for tables and progress.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Set by the global <c>--verbose</c> option: unexpected errors print their stack trace.</summary>
    public bool Verbose { get; set; }

    /// <summary>Ctrl+C while a command runs: commands stop at a safe point.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>The architectures <c>--model torchvision:NAME</c> builds (torchvision's; the tests inject their own).</summary>
    public ModelCatalog Models { get; init; } = ModelCatalog.TorchVisionModels;
}
