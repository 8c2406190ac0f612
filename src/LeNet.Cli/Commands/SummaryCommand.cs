using System.CommandLine;
using System.Globalization;
using LeNet.Cli.Output;
using LeNet.Layers;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet summary [--model lenet|modern|bn|wide|resnet|torchvision:NAME | --onnx FILE] [--input N,C,H,W]</c>: for a
/// LeNet network the d2l shape table, then parameters and FLOPs per layer; for an image classifier or an imported
/// ONNX model its forward's rows (state-dict path, type, output shape, parameters, FLOPs) and the totals.
/// </summary>
internal static class SummaryCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> model = CommonOptions.Model(catalog: true);
        Option<int?> numClasses = CommonOptions.NumClasses();
        var input = new Option<string?>("--input")
        {
            Description = "The input shape, e.g. 1,3,224,224 (default: 1,1,28,28 for the LeNet networks and resnet, 1,3,224,224 for torchvision:NAME).",
            HelpName = "N,C,H,W",
        };
        Option<string?> onnx = EvaluateCommand.OnnxOption();
        var command = new Command("summary", "Print a network's per-layer output shapes, parameter counts and FLOPs (LeNet's for a 1x1x28x28 input; any torchvision classifier with --model torchvision:NAME; an ONNX model with --onnx FILE).")
        {
            model, numClasses, input, onnx,
        };
        command.SetAction(parse => CommandRunner.Run(context, "summary", () =>
        {
            string name = parse.GetValue(model)!;
            bool catalog = ModelCatalog.IsCatalogName(name);
            if (!catalog && parse.GetValue(numClasses) is not null)
            {
                throw new CliException(ExitCodes.Usage, "--num-classes applies to --model torchvision:NAME; the LeNet networks have 10 classes");
            }

            if (parse.GetValue(onnx) is { } onnxPath)
            {
                return SummarizeOnnx(context, onnxPath, parse.GetValue(input), parse.GetValue(numClasses));
            }

            int[] shape = parse.GetValue(input) is { } text ? Shape(text) : catalog ? [1, 3, 224, 224] : [1, 1, 28, 28];
            Module net = catalog
                ? CommonOptions.LoadCatalogModel(context, name[ModelCatalog.Prefix.Length..], parse.GetValue(numClasses), weightsPath: null)
                : CommonOptions.Create(name);
            ModelSummary summary;
            try
            {
                summary = net.Summary(shape);
            }
            catch (ArgumentException e)
            {
                throw new CliException(ExitCodes.Usage, $"{name} does not take an input {Tensor.FormatShape(shape)}: {e.Message}", e);
            }

            if (catalog)
            {
                int classes = summary.Layers.LastOrDefault(row => row.OutputShape.Length > 0) is { } last ? last.OutputShape[^1] : 0;
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} ({net.Name}, {classes:N0} classes), input {Tensor.FormatShape(shape)}:"));
                context.Output.WriteLine();
                WriteTable(context, summary);
                context.Output.WriteLine();
                WriteTotals(context, summary, shape);
                return ExitCodes.Success;
            }

            context.Output.WriteLine(summary.ToString());
            WriteFlops(context, summary, shape);
            context.Output.WriteLine();
            WriteTable(context, summary);
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>An imported ONNX model's rows and totals, for the input the graph declares (batch 1) or <c>--input</c>.</summary>
    private static int SummarizeOnnx(CliContext context, string path, string? inputText, int? numClasses)
    {
        if (numClasses is not null)
        {
            throw new CliException(ExitCodes.Usage, "--num-classes applies to --model torchvision:NAME; an ONNX model brings its own classifier");
        }

        Module net = CommonOptions.ImportOnnx(path, out int[]? declared);
        int[] shape = inputText is not null ? Shape(inputText) : declared
            ?? throw new CliException(ExitCodes.Usage, $"the ONNX model '{path}' does not declare its input's sizes; give --input N,C,H,W");
        ModelSummary summary;
        try
        {
            summary = net.Summary(shape);
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.Usage, $"the ONNX model '{path}' does not take an input {Tensor.FormatShape(shape)}: {e.Message}", e);
        }

        context.Output.WriteLine($"{Path.GetFileName(path)} ({net.Name}), input {Tensor.FormatShape(shape)}:");
        context.Output.WriteLine();
        WriteTable(context, summary);
        context.Output.WriteLine();
        WriteTotals(context, summary, shape);
        return ExitCodes.Success;
    }

    /// <summary>One row per layer call or tensor operation, with the state-dict path when it is not just the index.</summary>
    private static void WriteTable(CliContext context, ModelSummary summary)
    {
        bool paths = summary.Layers.Any(row => row.Key != row.Index.ToString(CultureInfo.InvariantCulture));
        string[] headers = paths ? ["#", "path", "layer", "output shape", "parameters", "FLOPs"] : ["#", "layer", "output shape", "parameters", "FLOPs"];
        Table table = Tables.Create(context, headers).RightAlign(paths ? 4 : 3);
        foreach (LayerSummary row in summary.Layers)
        {
            string[] cells =
            [
                row.Index.ToString(CultureInfo.InvariantCulture), row.Name, Tensor.FormatShape(row.OutputShape),
                row.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), row.Flops.ToString("N0", CultureInfo.InvariantCulture),
            ];
            table.AddText(paths ? [cells[0], row.Key, .. cells[1..]] : cells);
        }

        context.Console.Write(table);
    }

    private static void WriteTotals(CliContext context, ModelSummary summary, int[] shape)
    {
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total parameters: {summary.TotalParameters:N0}"));
        WriteFlops(context, summary, shape);
    }

    private static void WriteFlops(CliContext context, ModelSummary summary, int[] shape)
    {
        long perImage = summary.TotalFlops / shape[0];
        string scaled = perImage >= 1_000_000_000 ? $"{perImage / 1e9:F3} GFLOP" : $"{perImage / 1e6:F3} MFLOP";
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"FLOPs per image: {perImage:N0} ({scaled}, 2 per multiply-add)"));
    }

    /// <summary>Parses <c>--input</c>: positive whole numbers separated by commas.</summary>
    private static int[] Shape(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shape = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
            {
                throw new CliException(ExitCodes.Usage, $"--input takes positive whole numbers separated by commas (N,C,H,W), got '{text}'");
            }
        }

        return shape.Length >= 2 ? shape : throw new CliException(ExitCodes.Usage, $"--input needs at least a batch and a feature size (N,C,H,W for images), got '{text}'");
    }
}
