using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LeNet.Imaging;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet predict --weights FILE IMAGE...</c> (or <c>--onnx FILE</c>): decodes each picture (PNG, JPEG, PGM), preprocesses it
/// like MNIST, and prints the most likely digits with their probabilities (or JSON with <c>--json</c>).
/// </summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights(required: false);
        Option<string?> model = CommonOptions.ModelOfWeights();
        Option<string?> stripPrefix = CommonOptions.StripPrefix();
        Option<string?> onnx = EvaluateCommand.OnnxOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON array: file, digit and the 10 probabilities of each image." };
        var top = new Option<int>("--top") { Description = "How many classes to list per image.", DefaultValueFactory = _ => 3 };
        var images = new Argument<string[]>("images") { Description = "Pictures of one digit each: PNG, JPEG or PGM, any size, grey or colour, dark on light or light on dark.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Classify pictures of handwritten digits.") { weights, model, stripPrefix, onnx, json, top, images };
        command.SetAction(parse => CommandRunner.Run(context, "predict", () =>
        {
            int count = parse.GetValue(top);
            if (count is < 1 or > 10)
            {
                throw new CliException(ExitCodes.Usage, $"--top must be between 1 and 10, got {count}");
            }

            Sequential net = EvaluateCommand.LoadNet(context, parse.GetValue(model), parse.GetValue(weights), parse.GetValue(onnx), out _, parse.GetValue(stripPrefix));
            var results = new List<(string File, DigitPrediction Prediction)>();
            foreach (string path in parse.GetValue(images)!)
            {
                if (!File.Exists(path))
                {
                    throw new CliException(ExitCodes.InputNotFound, $"image '{path}' not found");
                }

                float[] input = DigitImageDecoder.DecodeToMnist(File.ReadAllBytes(path));
                results.Add((path, net.PredictDigit(input)));
            }

            if (parse.GetValue(json))
            {
                WriteJson(context.Output, results);
            }
            else
            {
                foreach ((string file, DigitPrediction prediction) in results)
                {
                    string list = string.Join(", ", prediction.Top(count).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Digit} {t.Probability:P1}")));
                    context.Output.WriteLine($"{file}: {prediction.Digit}  ({list})");
                }
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static void WriteJson(TextWriter output, List<(string File, DigitPrediction Prediction)> results)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach ((string file, DigitPrediction prediction) in results)
            {
                json.WriteStartObject();
                json.WriteString("file", file);
                json.WriteNumber("digit", prediction.Digit);
                json.WriteStartArray("probabilities");
                foreach (float p in prediction.Probabilities)
                {
                    json.WriteNumberValue(p);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
