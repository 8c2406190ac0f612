using System.CommandLine;
using System.Globalization;
using LeNet.Cli.Output;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Training;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet evaluate --weights FILE</c>: accuracy, per-class precision and recall, and the confusion matrix
/// on the test set of MNIST or Fashion-MNIST (<c>--dataset</c>; default: the one recorded in the weights
/// file by <c>lenet train</c>, else MNIST), classes shown by name.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights();
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> data = CommonOptions.Data();
        Option<string> dataset = TrainCommand.Dataset(withDefault: false);
        dataset.Description = "mnist or fashion-mnist (default: the data set recorded in the weights file by `lenet train`, else mnist).";
        var command = new Command("evaluate", "Evaluate trained weights on the 10,000 test images of MNIST or Fashion-MNIST: accuracy, per-class precision/recall, confusion matrix.")
        {
            weights, model, dataset, data,
        };
        command.SetAction(parse => CommandRunner.Run(context, "evaluate", () =>
        {
            Sequential net = CommonOptions.Load(context, parse.GetValue(model), parse.GetValue(weights)!);
            string chosen = parse.GetValue(dataset) ?? RecordedDataset(parse.GetValue(weights)!) ?? "mnist";
            Mnist mnist = DataLoading.Load(context, parse.GetValue(data), chosen);
            EvaluationResult result = Trainer.Evaluate(net, mnist.Test);
            Print(context, result, parse.GetValue(weights)!, DataLoading.ClassNames(chosen));
            return ExitCodes.Success;
        }));
        return command;
    }

    /// <summary>The <c>dataset</c> metadata <c>lenet train</c> writes, when it names a known data set.</summary>
    private static string? RecordedDataset(string weightsPath)
    {
        try
        {
            string? recorded = LeNet.IO.SafeTensors.Read(weightsPath).Metadata.GetValueOrDefault("dataset");
            return DataLoading.Datasets.Contains(recorded) ? recorded : null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            return null;
        }
    }

    private static void Print(CliContext context, EvaluationResult result, string weights, IReadOnlyList<string> names)
    {
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{weights}: accuracy {result.Accuracy:P2} ({result.Correct:N0} of {result.Count:N0}), mean loss {result.Loss:F4}"));
        context.Output.WriteLine();
        int classes = result.Confusion.GetLength(0);

        Table perClass = Tables.Create(context, "class", "precision", "recall", "support").RightAlign(1);
        for (int c = 0; c < classes; c++)
        {
            int support = Enumerable.Range(0, classes).Sum(p => result.Confusion[c, p]);
            perClass.AddText(Name(c, names), Percent(result.Precision(c)), Percent(result.Recall(c)), support.ToString(CultureInfo.InvariantCulture));
        }

        context.Console.Write(perClass);
        context.Output.WriteLine();
        context.Output.WriteLine("Confusion matrix (rows: true class, columns: predicted class):");
        Table confusion = Tables.Create(context, ["true \\ predicted", .. Enumerable.Range(0, classes).Select(p => p.ToString(CultureInfo.InvariantCulture))]).RightAlign(1);
        for (int t = 0; t < classes; t++)
        {
            confusion.AddText([Name(t, names), .. Enumerable.Range(0, classes).Select(p => result.Confusion[t, p].ToString(CultureInfo.InvariantCulture))]);
        }

        context.Console.Write(confusion);
    }

    /// <summary>A class as the tables show it: the digit, or "0 T-shirt/top" when the class has a name of its own.</summary>
    private static string Name(int c, IReadOnlyList<string> names)
    {
        string digit = c.ToString(CultureInfo.InvariantCulture);
        return c < names.Count && names[c] != digit ? $"{digit} {names[c]}" : digit;
    }

    private static string Percent(double value) => double.IsNaN(value) ? "-" : value.ToString("P2", CultureInfo.InvariantCulture);
}
