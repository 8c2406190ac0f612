using System.CommandLine;
using System.Globalization;
using LeNet.Cli.Output;
using LeNet.Data;
using LeNet.Layers;
using LeNet.Training;
using Spectre.Console;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet evaluate --weights FILE</c> (or <c>--onnx FILE</c>): accuracy, per-class precision and recall, and
/// the confusion matrix on the test set of MNIST or Fashion-MNIST (<c>--dataset</c>; default: the one recorded
/// in the weights file by <c>lenet train</c>, else MNIST), classes shown by name.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights(required: false);
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> stripPrefix = CommonOptions.StripPrefix();
        Option<string?> onnx = OnnxOption();
        Option<string?> data = CommonOptions.Data();
        Option<string> dataset = TrainCommand.Dataset(withDefault: false);
        dataset.Description = "mnist or fashion-mnist (default: the data set recorded in the weights file by `lenet train`, else mnist).";
        var command = new Command("evaluate", "Evaluate trained weights (or an ONNX model) on the 10,000 test images of MNIST or Fashion-MNIST: accuracy, per-class precision/recall, confusion matrix.")
        {
            weights, model, stripPrefix, onnx, dataset, data,
        };
        command.SetAction(parse => CommandRunner.Run(context, "evaluate", () =>
        {
            string? weightsPath = parse.GetValue(weights);
            Module net = LoadNet(context, parse.GetValue(model), weightsPath, parse.GetValue(onnx), out string source, parse.GetValue(stripPrefix));
            string chosen = parse.GetValue(dataset) ?? (weightsPath is null ? null : RecordedDataset(weightsPath)) ?? "mnist";
            Mnist mnist = DataLoading.Load(context, parse.GetValue(data), chosen);
            EvaluationResult result = Trainer.Evaluate(net, mnist.Test);
            Print(context, result, source, DataLoading.ClassNames(chosen));
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

    /// <summary>The <c>--onnx FILE</c> option of evaluate and predict: an ONNX model instead of <c>--weights</c>.</summary>
    internal static Option<string?> OnnxOption() => new("--onnx")
    {
        Description = "An ONNX model to run instead of --weights (e.g. from torch.onnx.export): a chain of supported layers taking [N, 1, 28, 28] and giving [N, 10] scores. A final Softmax (or LogSoftmax) over the 10 classes is read as giving probabilities (log-probabilities), not softmaxed again.",
    };

    /// <summary>
    /// The network of evaluate and predict: the ONNX model of <c>--onnx</c> (a final Softmax over the classes
    /// removed, see <see cref="WithoutFinalSoftmax"/>), or <c>--weights</c> loaded into <c>--model</c>.
    /// </summary>
    /// <param name="context">Where warnings go.</param>
    /// <param name="model">--model, or null.</param>
    /// <param name="weights">--weights, or null.</param>
    /// <param name="onnx">--onnx, or null.</param>
    /// <param name="source">The file the network came from, for the output.</param>
    /// <param name="stripPrefix">--strip-prefix, or null.</param>
    /// <param name="imported">The ONNX model of <paramref name="onnx"/> when the caller imported it already.</param>
    internal static Module LoadNet(CliContext context, string? model, string? weights, string? onnx, out string source, string? stripPrefix = null, Module? imported = null)
    {
        if ((weights is null) == (onnx is null))
        {
            throw new CliException(ExitCodes.Usage, "give either --weights FILE or --onnx FILE");
        }

        if (weights is not null)
        {
            source = weights;
            return CommonOptions.Load(context, model, weights, stripPrefix);
        }

        if (model is not null)
        {
            throw new CliException(ExitCodes.Usage, "--model applies to --weights; an ONNX model brings its own network");
        }

        if (stripPrefix is not null)
        {
            throw new CliException(ExitCodes.Usage, "--strip-prefix applies to --weights; an ONNX model's weights are named by its own graph");
        }

        source = onnx!;
        Module net = imported ?? CommonOptions.ImportOnnx(onnx!);
        try
        {
            int[] output = net.GetOutputShape([1, 1, 28, 28]);
            if (output is not [1, 10])
            {
                throw new CliException(ExitCodes.InvalidInput, $"the ONNX model '{onnx}' gives {Tensor.FormatShape(output)} for an MNIST image [1, 1, 28, 28]; expected [1, 10] (one score per digit)");
            }
        }
        catch (ArgumentException e)
        {
            throw new CliException(ExitCodes.InvalidInput, $"the ONNX model '{onnx}' does not take an MNIST image [1, 1, 28, 28]: {e.Message}", e);
        }

        return WithoutFinalSoftmax(net);
    }

    /// <summary>
    /// <paramref name="model"/> (output [N, classes]) without its last leaf when that is a Softmax over the classes:
    /// predict softmaxes the network's output and evaluate's cross-entropy takes it as logits, so probabilities
    /// would be softmaxed a second time (flattening them towards 1/10, and the mean loss with them). The scores z
    /// before the Softmax give exactly the model's probabilities softmax(z) and its loss −log p. A final
    /// LogSoftmax stays: log-probabilities are logits already, since softmax(log p) = p and the cross-entropy
    /// of log p is −log p.
    /// </summary>
    /// <remarks>An imported graph that is not a chain (not a <see cref="Sequential"/>) is returned as it is.</remarks>
    internal static Module WithoutFinalSoftmax(Module model)
    {
        if (model is not Sequential net)
        {
            return model;
        }

        Sequential? stripped = Strip(net);
        if (stripped is null)
        {
            return net;
        }

        stripped.Eval();
        return stripped;

        // The container with its last leaf (inside nested containers) removed, or null when that is no class Softmax.
        static Sequential? Strip(Sequential container)
        {
            if (container.Count == 0)
            {
                return null;
            }

            int last = container.Count - 1;
            (string Name, ILayer Layer)[] kept = [.. Enumerable.Range(0, last).Select(i => (container.Names[i], container[i]))];
            switch (container[last])
            {
                case Softmax { Dim: 1 or -1 }:
                    return new Sequential(kept);
                case Sequential inner when Strip(inner) is Sequential shorter:
                    return shorter.Count == 0 ? new Sequential(kept) : new Sequential([.. kept, (container.Names[last], shorter)]);
                default:
                    return null;
            }
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
