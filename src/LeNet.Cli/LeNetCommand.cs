using System.CommandLine;
using LeNet.Cli.Commands;

namespace LeNet.Cli;

/// <summary>The <c>lenet</c> root command: parses the arguments and runs one sub-command.</summary>
internal static class LeNetCommand
{
    /// <summary>Runs the tool in-process (the tests call this directly).</summary>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("lenet: LeNet-5 in pure C#, from the command line.");
        root.Subcommands.Add(SummaryCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output, error));
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
