using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Web.Models;

/// <summary>
/// The classic and modern LeNets, loaded once at start-up and shared by every request (a network in
/// evaluation mode keeps no per-call state, so concurrent <c>Forward</c> calls are safe).
/// </summary>
internal sealed partial class DigitModels
{
    private readonly ServedModel _classic;
    private readonly ServedModel _modern;

    private DigitModels(ServedModel classic, ServedModel modern) => (_classic, _modern) = (classic, modern);

    /// <summary>The model used when a request names none: modern.</summary>
    public ServedModel Default => _modern;

    /// <summary>Both models, classic first.</summary>
    public IReadOnlyList<ServedModel> All => [_classic, _modern];

    /// <summary>The model of a variant.</summary>
    /// <param name="variant">The variant.</param>
    public ServedModel this[LeNetVariant variant] => variant == LeNetVariant.Classic ? _classic : _modern;

    /// <summary>Loads both models: each from its weights file when one is given, else the pretrained weights embedded in LeNet.</summary>
    /// <param name="sources">Where the weights come from.</param>
    /// <param name="logger">Receives one line per model saying what is served.</param>
    /// <returns>The loaded models.</returns>
    /// <exception cref="ModelLoadException">A file is missing, is not valid safetensors or does not fit the network; or the pretrained weights are missing.</exception>
    public static DigitModels Load(ModelSources sources, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(logger);
        var models = new DigitModels(Load(LeNetVariant.Classic, sources), Load(LeNetVariant.Modern, sources));
        foreach (ServedModel model in models.All)
        {
            string accuracy = model.Metadata.TryGetValue("test_accuracy", out string? value) ? $", test accuracy {value}" : "";
            LogServing(logger, model.Name, model.Source, accuracy);
        }

        return models;
    }

    private static ServedModel Load(LeNetVariant variant, ModelSources sources)
    {
        string name = ServedModel.NameOf(variant);
        string? path = sources.WeightsFor(variant);
        if (path is null)
        {
            try
            {
                return new ServedModel(variant, LeNetFactory.CreatePretrained(variant), "pretrained", LeNetFactory.PretrainedMetadata(variant));
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
            {
                throw new ModelLoadException($"the pretrained {name} model could not be loaded ({e.Message}); serve weights of your own with --weights FILE --model {name}.", e);
            }
        }

        if (!File.Exists(path))
        {
            throw new ModelLoadException($"the {name} model's weights file '{path}' does not exist.");
        }

        Sequential network = variant == LeNetVariant.Classic ? LeNetFactory.Create() : LeNetFactory.CreateModern();
        try
        {
            SafeTensorsFile file = SafeTensors.Read(path);
            network.LoadStateDict(file);
            network.Eval();
            return new ServedModel(variant, network, Path.GetFullPath(path), file.Metadata);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            throw new ModelLoadException($"'{path}' cannot be served as the {name} model: {e.Message}", e);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Serving the {Model} model ({Source}{Accuracy})")]
    private static partial void LogServing(ILogger logger, string model, string source, string accuracy);
}
