using System.CommandLine;
using System.Globalization;
using LeNet.Cli.Output;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Training;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary><c>lenet evaluate --weights FILE</c>: accuracy, per-class precision and recall, and the confusion matrix on the MNIST test set.</summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights();
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> data = CommonOptions.Data();
        var command = new Command("evaluate", "Evaluate trained weights on the 10,000 MNIST test images: accuracy, per-class precision/recall, confusion matrix.")
        {
            weights, model, data,
        };
        command.SetAction(parse => CommandRunner.Run(context, "evaluate", () =>
        {
            Sequential net = CommonOptions.Load(context, parse.GetValue(model), parse.GetValue(weights)!);
            Mnist mnist = DataLoading.Load(context, parse.GetValue(data));
            EvaluationResult result = Trainer.Evaluate(net, mnist.Test);
            Print(context, result, parse.GetValue(weights)!);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void Print(CliContext context, EvaluationResult result, string weights)
    {
        context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{weights}: accuracy {result.Accuracy:P2} ({result.Correct:N0} of {result.Count:N0}), mean loss {result.Loss:F4}"));
        context.Output.WriteLine();
        int classes = result.Confusion.GetLength(0);

        Table perClass = Tables.Create(context, "class", "precision", "recall", "support").RightAlign(1);
        for (int c = 0; c < classes; c++)
        {
            int support = Enumerable.Range(0, classes).Sum(p => result.Confusion[c, p]);
            perClass.AddText(c.ToString(CultureInfo.InvariantCulture), Percent(result.Precision(c)), Percent(result.Recall(c)), support.ToString(CultureInfo.InvariantCulture));
        }

        context.Console.Write(perClass);
        context.Output.WriteLine();
        context.Output.WriteLine("Confusion matrix (rows: true class, columns: predicted class):");
        Table confusion = Tables.Create(context, ["true \\ predicted", .. Enumerable.Range(0, classes).Select(p => p.ToString(CultureInfo.InvariantCulture))]).RightAlign(1);
        for (int t = 0; t < classes; t++)
        {
            confusion.AddText([t.ToString(CultureInfo.InvariantCulture), .. Enumerable.Range(0, classes).Select(p => result.Confusion[t, p].ToString(CultureInfo.InvariantCulture))]);
        }

        context.Console.Write(confusion);
    }

    private static string Percent(double value) => double.IsNaN(value) ? "-" : value.ToString("P2", CultureInfo.InvariantCulture);
}
