using System.CommandLine;
using LeNet.Cli.Commands;

namespace LeNet.Cli;

/// <summary>The <c>lenet</c> root command: parses the arguments and runs one sub-command.</summary>
internal static class LeNetCommand
{
    /// <summary>Runs the tool in-process (the tests call this directly).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Standard output.</param>
    /// <param name="error">Standard error.</param>
    /// <param name="isTerminal">Whether a person watches the output (live progress, colour); plain lines otherwise.</param>
    /// <param name="models">The architectures <c>--model torchvision:NAME</c> names; torchvision's when null.</param>
    /// <param name="cancellation">Ctrl+C: long commands stop at a safe point.</param>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool isTerminal = false, ModelCatalog? models = null, CancellationToken cancellation = default)
    {
        var context = new CliContext(output, error, isTerminal) { Cancellation = cancellation, Models = models ?? ModelCatalog.TorchVisionModels };
        var verbose = new Option<bool>("--verbose") { Description = "Print stack traces of errors.", Recursive = true };
        var root = new RootCommand("lenet: LeNet-5 and image classifiers in pure C#: inspect, train, evaluate, predict, export and benchmark.") { verbose };
        root.Subcommands.Add(SummaryCommand.Create(context));
        root.Subcommands.Add(TrainCommand.Create(context));
        root.Subcommands.Add(EvaluateCommand.Create(context));
        root.Subcommands.Add(PredictCommand.Create(context));
        root.Subcommands.Add(ExportCommand.Create(context));
        root.Subcommands.Add(ConvertCommand.Create(context));
        root.Subcommands.Add(BenchCommand.Create(context));

        ParseResult parse = root.Parse(args);
        context.Verbose = parse.GetValue(verbose);
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
