using System.CommandLine;
using LeNet.Models;

namespace LeNet.Cli.Commands;

/// <summary><c>lenet summary</c>: the per-layer output shapes of LeNet for one 1×28×28 image.</summary>
internal static class SummaryCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("summary", "Print LeNet's per-layer output shapes for a 1x1x28x28 input and its parameter count.");
        command.SetAction(_ =>
        {
            output.WriteLine(LeNetFactory.Create().Summary(1, 1, 28, 28).ToString());
            return ExitCodes.Success;
        });
        return command;
    }
}
