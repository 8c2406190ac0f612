using System.CommandLine;
using System.Globalization;
using LeNet.Cli.Output;
using LeNet.Layers;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary><c>lenet summary [--model lenet|modern|bn|wide]</c>: the d2l shape table, then parameters and FLOPs per layer.</summary>
internal static class SummaryCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> model = CommonOptions.Model();
        var command = new Command("summary", "Print the network's per-layer output shapes for a 1x1x28x28 input, its parameter counts and FLOPs per image.") { model };
        command.SetAction(parse => CommandRunner.Run(context, "summary", () =>
        {
            ModelSummary summary = CommonOptions.Create(parse.GetValue(model)!).Summary(1, 1, 28, 28);
            context.Output.WriteLine(summary.ToString());
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FLOPs per image: {summary.TotalFlops:N0} ({summary.TotalFlops / 1e6:F3} MFLOP, 2 per multiply-add)"));
            context.Output.WriteLine();

            Table table = Tables.Create(context, "#", "layer", "output shape", "parameters", "FLOPs").RightAlign(3);
            foreach (LayerSummary row in summary.Layers)
            {
                table.AddText(
                    row.Index.ToString(CultureInfo.InvariantCulture), row.Name, Tensor.FormatShape(row.OutputShape),
                    row.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), row.Flops.ToString("N0", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        }));
        return command;
    }
}
