using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LeNet.Imaging;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Cli.Commands;

/// <summary>
/// <c>lenet predict</c>: classifies pictures. With a LeNet network (<c>--weights FILE</c>, or an ONNX model taking
/// [1, 1, 28, 28]) each picture is preprocessed like MNIST and the most likely digits are printed; with an image
/// classifier (<c>--model torchvision:NAME</c>, or an ONNX model taking 3 channels) each picture gets torchvision's
/// preprocessing (resize, centre crop, ImageNet normalization) and the top classes are printed, named by <c>--labels</c>.
/// </summary>
internal static class PredictCommand
{
    private const string GraphHint =
        "for a torchvision architecture whose ONNX graph does not import, give --model torchvision:NAME --weights FILE (its .pth or .safetensors state dict) instead.";

    public static Command Create(CliContext context)
    {
        Option<string> weights = CommonOptions.Weights(required: false);
        Option<string?> model = CommonOptions.ModelOfWeights(catalog: true);
        Option<string?> stripPrefix = CommonOptions.StripPrefix();
        Option<string?> onnx = EvaluateCommand.OnnxOption();
        onnx.Description += " An ONNX model whose input has 3 channels is run as an image classifier (see --resize).";
        Option<int?> numClasses = CommonOptions.NumClasses();
        var json = new Option<bool>("--json") { Description = "Print one JSON array: per image, the file and the digit with the 10 probabilities (LeNet), or the class and the top classes with their probabilities and labels (image classifiers)." };
        var top = new Option<int?>("--top") { Description = "How many classes to list per image (default: 3 for digits, 5 for image classifiers)." };
        var resize = new Option<int>("--resize") { Description = "Image classifiers: resize the shorter side to this many pixels, bilinear with antialiasing as torchvision's Resize on a PIL image (0: keep the size).", DefaultValueFactory = _ => 256, HelpName = "N" };
        var crop = new Option<int>("--crop") { Description = "Image classifiers: then take the centred N×N square, as torchvision's CenterCrop (0: no crop).", DefaultValueFactory = _ => 224, HelpName = "N" };
        var mean = new Option<string>("--mean") { Description = "Image classifiers: the per-channel mean subtracted after scaling the pixels to [0, 1], R,G,B.", DefaultValueFactory = _ => "0.485,0.456,0.406", HelpName = "R,G,B" };
        var std = new Option<string>("--std") { Description = "Image classifiers: the per-channel standard deviation divided by, R,G,B.", DefaultValueFactory = _ => "0.229,0.224,0.225", HelpName = "R,G,B" };
        var labels = new Option<string?>("--labels") { Description = "Image classifiers: a text file naming the classes, one per line, in class order (e.g. ImageNet's 1000). Without it, classes are shown by index.", HelpName = "FILE" };
        var images = new Argument<string[]>("images") { Description = "Pictures: PNG, JPEG or PGM, any size, grey or colour. For LeNet, one digit each, dark on light or light on dark.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("predict", "Classify pictures: handwritten digits with LeNet, or anything with an image classifier (--model torchvision:NAME).")
        {
            weights, model, stripPrefix, onnx, numClasses, json, top, resize, crop, mean, std, labels, images,
        };
        command.SetAction(parse => CommandRunner.Run(context, "predict", () =>
        {
            string? modelName = parse.GetValue(model), onnxPath = parse.GetValue(onnx), weightsPath = parse.GetValue(weights);
            Module? imported = null;
            if (ModelCatalog.IsCatalogName(modelName))
            {
                if (onnxPath is not null)
                {
                    throw new CliException(ExitCodes.Usage, "--model applies to --weights; an ONNX model brings its own network");
                }

                string name = modelName![ModelCatalog.Prefix.Length..];
                ImageSettings settings = Settings(parse, resize, crop, mean, std, labels, top);
                Module net = CommonOptions.LoadCatalogModel(context, name, parse.GetValue(numClasses), weightsPath, parse.GetValue(stripPrefix));
                if (weightsPath is null)
                {
                    context.Error.WriteLine($"lenet predict: warning: no --weights, so {name} has random weights and its predictions mean nothing");
                }

                return Classify(context, net, settings, parse.GetValue(images)!, parse.GetValue(json));
            }

            if (onnxPath is not null && weightsPath is null && modelName is null && parse.GetValue(stripPrefix) is null)
            {
                imported = CommonOptions.ImportOnnx(onnxPath, out int[]? declared, GraphHint);
                if (declared is [_, 3, ..])
                {
                    if (parse.GetValue(numClasses) is not null)
                    {
                        throw new CliException(ExitCodes.Usage, "--num-classes applies to --model torchvision:NAME; an ONNX model brings its own classifier");
                    }

                    ImageSettings settings = Settings(parse, resize, crop, mean, std, labels, top);
                    Module net = EvaluateCommand.WithoutFinalSoftmax(imported);
                    net.Eval();
                    return Classify(context, net, settings, parse.GetValue(images)!, parse.GetValue(json));
                }
            }

            RefuseImageOptions(parse, numClasses, resize, crop, mean, std, labels);
            int count = parse.GetValue(top) ?? 3;
            if (count is < 1 or > 10)
            {
                throw new CliException(ExitCodes.Usage, $"--top must be between 1 and 10, got {count}");
            }

            Module digits = EvaluateCommand.LoadNet(context, modelName, weightsPath, onnxPath, out _, parse.GetValue(stripPrefix), imported);
            return PredictDigits(context, digits, parse.GetValue(images)!, count, parse.GetValue(json));
        }));
        return command;
    }

    /// <summary>The image-classifier options as given (their defaults are torchvision's ImageNet preprocessing).</summary>
    private sealed record ImageSettings(ClassifierPreprocessor Preprocessor, string? LabelsPath, int? Top);

    private static ImageSettings Settings(
        ParseResult parse, Option<int> resize, Option<int> crop, Option<string> mean, Option<string> std, Option<string?> labels, Option<int?> top)
    {
        int resizeSize = parse.GetValue(resize), cropSize = parse.GetValue(crop);
        if (resizeSize < 0 || cropSize < 0)
        {
            throw new CliException(ExitCodes.Usage, $"--resize and --crop must be 0 (skip the step) or positive, got {resizeSize} and {cropSize}");
        }

        float[] m = Triple(parse.GetValue(mean)!, "--mean"), s = Triple(parse.GetValue(std)!, "--std");
        if (s.Any(v => !(v > 0)))
        {
            throw new CliException(ExitCodes.Usage, $"--std must be three positive numbers, got {parse.GetValue(std)}");
        }

        return new ImageSettings(new ClassifierPreprocessor(resizeSize, cropSize, m, s), parse.GetValue(labels), parse.GetValue(top));
    }

    /// <summary>Three comma-separated numbers (R,G,B).</summary>
    private static float[] Triple(string text, string option)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        bool valid = parts.Length == 3;
        for (int i = 0; valid && i < parts.Length; i++)
        {
            valid = float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && float.IsFinite(values[i]);
        }

        return valid ? values : throw new CliException(ExitCodes.Usage, $"{option} takes three numbers separated by commas (R,G,B), got '{text}'");
    }

    /// <summary>The image-classifier options have no meaning for a digit model: refuse them rather than ignore them.</summary>
    private static void RefuseImageOptions(ParseResult parse, params Option[] options)
    {
        foreach (Option option in options)
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                throw new CliException(ExitCodes.Usage, $"{option.Name} applies to image classifiers (--model torchvision:NAME, or an ONNX model taking 3 channels), not to LeNet's digits");
            }
        }
    }

    private static int Classify(CliContext context, Module net, ImageSettings settings, string[] images, bool json)
    {
        IReadOnlyList<string>? names = settings.LabelsPath is null ? null : ClassLabels.Read(settings.LabelsPath);
        var results = new List<(string File, ClassScores Scores)>();
        foreach (string path in images)
        {
            if (!File.Exists(path))
            {
                throw new CliException(ExitCodes.InputNotFound, $"image '{path}' not found");
            }

            Tensor input = settings.Preprocessor.Preprocess(DigitImageDecoder.LoadRgb(path));
            Tensor logits;
            try
            {
                logits = net.Forward(input);
            }
            catch (ArgumentException e)
            {
                throw new CliException(ExitCodes.Usage, $"the model does not take the preprocessed picture {Tensor.FormatShape(input.Shape)} (see --resize and --crop): {e.Message}", e);
            }

            if (logits.Rank != 2 || logits.Shape[0] != 1)
            {
                throw new CliException(ExitCodes.InvalidInput, $"the model gives {Tensor.FormatShape(logits.Shape)} for a picture {Tensor.FormatShape(input.Shape)}; expected [1, classes]");
            }

            if (names is not null && names.Count != logits.Shape[1])
            {
                throw new CliException(ExitCodes.InvalidInput, $"the labels file '{settings.LabelsPath}' names {names.Count} classes, the model has {logits.Shape[1]}");
            }

            results.Add((path, ClassScores.FromLogits(logits.AsReadOnlySpan())));
        }

        int classes = results[0].Scores.Probabilities.Length;
        int count = settings.Top ?? Math.Min(5, classes);
        if (count < 1 || count > classes)
        {
            throw new CliException(ExitCodes.Usage, $"--top must be between 1 and the model's {classes} classes, got {count}");
        }

        if (json)
        {
            WriteClassesJson(context.Output, results, names, count);
            return ExitCodes.Success;
        }

        foreach ((string file, ClassScores scores) in results)
        {
            string list = string.Join("; ", scores.Top(count).Select(t => string.Create(CultureInfo.InvariantCulture, $"{Name(t.Class, names)} {t.Probability:P1}")));
            context.Output.WriteLine($"{file}: {Name(scores.Class, names)}  ({list})");
        }

        return ExitCodes.Success;
    }

    /// <summary>A class as the output shows it: its index, then its label when a labels file names it (<c>281 tabby</c>).</summary>
    private static string Name(int c, IReadOnlyList<string>? names) =>
        names is null ? c.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{c} {names[c]}");

    private static int PredictDigits(CliContext context, Module net, string[] images, int count, bool json)
    {
        var results = new List<(string File, DigitPrediction Prediction)>();
        foreach (string path in images)
        {
            if (!File.Exists(path))
            {
                throw new CliException(ExitCodes.InputNotFound, $"image '{path}' not found");
            }

            float[] input = DigitImageDecoder.DecodeToMnist(File.ReadAllBytes(path));
            results.Add((path, net.PredictDigit(input)));
        }

        if (json)
        {
            WriteDigitsJson(context.Output, results);
            return ExitCodes.Success;
        }

        foreach ((string file, DigitPrediction prediction) in results)
        {
            string list = string.Join(", ", prediction.Top(count).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Digit} {t.Probability:P1}")));
            context.Output.WriteLine($"{file}: {prediction.Digit}  ({list})");
        }

        return ExitCodes.Success;
    }

    private static void WriteDigitsJson(TextWriter output, List<(string File, DigitPrediction Prediction)> results) => WriteJson(output, json =>
    {
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
    });

    private static void WriteClassesJson(TextWriter output, List<(string File, ClassScores Scores)> results, IReadOnlyList<string>? names, int count) => WriteJson(output, json =>
    {
        foreach ((string file, ClassScores scores) in results)
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            WriteClass(json, scores.Class, names);
            json.WriteStartArray("top");
            foreach ((int c, float p) in scores.Top(count))
            {
                json.WriteStartObject();
                WriteClass(json, c, names);
                json.WriteNumber("probability", p);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        static void WriteClass(Utf8JsonWriter json, int c, IReadOnlyList<string>? names)
        {
            json.WriteNumber("class", c);
            if (names is not null)
            {
                json.WriteString("label", names[c]);
            }
        }
    });

    /// <summary>One indented JSON array, its items written by <paramref name="items"/>.</summary>
    private static void WriteJson(TextWriter output, Action<Utf8JsonWriter> items)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            items(json);
            json.WriteEndArray();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
