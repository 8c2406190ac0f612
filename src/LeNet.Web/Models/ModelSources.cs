using LeNet.IO;
using LeNet.Models;

namespace LeNet.Web.Models;

/// <summary>
/// Where each served model's weights come from: the pretrained weights embedded in LeNet, or a safetensors
/// file of the user's (configuration <c>Models:Classic:Weights</c>, <c>Models:Modern:Weights</c>, or on the
/// command line <c>--weights FILE --model classic|modern</c>).
/// </summary>
/// <param name="ClassicWeights">A safetensors file for the classic (sigmoid, average-pool) LeNet, or null for the pretrained one.</param>
/// <param name="ModernWeights">A safetensors file for the modern (ReLU, max-pool) LeNet, or null for the pretrained one.</param>
internal sealed record ModelSources(string? ClassicWeights, string? ModernWeights)
{
    /// <summary>The configuration key that <c>--weights</c> maps to.</summary>
    public const string WeightsSwitchKey = "CommandLine:Weights";

    /// <summary>The configuration key that <c>--model</c> maps to.</summary>
    public const string ModelSwitchKey = "CommandLine:Model";

    /// <summary>The command-line switches: <c>--weights FILE</c> and <c>--model classic|modern</c>.</summary>
    public static IDictionary<string, string> SwitchMappings => new Dictionary<string, string>
    {
        ["--weights"] = WeightsSwitchKey,
        ["--model"] = ModelSwitchKey,
    };

    /// <summary>Every model pretrained.</summary>
    public static ModelSources Pretrained { get; } = new(null, null);

    /// <summary>The weights file for a variant, or null for the pretrained weights.</summary>
    /// <param name="variant">The variant.</param>
    /// <returns>The path, or null.</returns>
    public string? WeightsFor(LeNetVariant variant) => variant == LeNetVariant.Classic ? ClassicWeights : ModernWeights;

    /// <summary>Reads the sources from configuration; <c>--weights</c> and <c>--model</c> win over the <c>Models</c> section.</summary>
    /// <param name="configuration">The app's configuration.</param>
    /// <returns>The sources.</returns>
    /// <exception cref="ModelLoadException"><c>--model</c> names no model, or comes without <c>--weights</c>.</exception>
    public static ModelSources From(IConfiguration configuration)
    {
        var sources = new ModelSources(
            NullIfEmpty(configuration["Models:Classic:Weights"]),
            NullIfEmpty(configuration["Models:Modern:Weights"]));
        string? weights = NullIfEmpty(configuration[WeightsSwitchKey]);
        string? model = NullIfEmpty(configuration[ModelSwitchKey]);
        if (weights is null)
        {
            return model is null
                ? sources
                : throw new ModelLoadException($"--model {model} says which model --weights replaces, but no --weights FILE was given.");
        }

        return ServedModel.TryParseName(model ?? RecordedModel(weights) ?? "modern", out LeNetVariant variant)
            ? variant == LeNetVariant.Classic ? sources with { ClassicWeights = weights } : sources with { ModernWeights = weights }
            : throw new ModelLoadException($"--model must be classic or modern, got '{model}'.");
    }

    /// <summary>
    /// The model a weights file was trained for, from the recipe <c>lenet train</c> records in its metadata
    /// (modern → modern; d2l, classic → classic), or null when it records none or cannot be read (loading
    /// the file then reports why).
    /// </summary>
    private static string? RecordedModel(string path)
    {
        try
        {
            return File.Exists(path) ? SafeTensors.Read(path).Metadata.GetValueOrDefault("recipe") switch
            {
                "modern" => "modern",
                "d2l" or "classic" => "classic",
                _ => null,
            } : null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
