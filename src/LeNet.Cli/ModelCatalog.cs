using LeNet.Layers;
using LeNet.Models.Vision;

namespace LeNet.Cli;

/// <summary>
/// The image classifiers <c>--model torchvision:NAME</c> names, looked up at run time: by default torchvision's
/// architectures (<see cref="TorchVision.GetModel"/>); the tests inject a catalog of small modules.
/// </summary>
/// <param name="create">Builds the architecture of a name with a class count; throws <see cref="ArgumentException"/> for an unknown name.</param>
/// <param name="names">Every name the catalog knows, for messages.</param>
internal sealed class ModelCatalog(Func<string, int, Module> create, Func<IReadOnlyList<string>> names)
{
    /// <summary>The prefix that sends <c>--model</c> to the catalog.</summary>
    public const string Prefix = "torchvision:";

    /// <summary>torchvision's classifiers, as <see cref="TorchVision"/> registers them.</summary>
    public static ModelCatalog TorchVisionModels { get; } = new(TorchVision.GetModel, TorchVision.ListModels);

    /// <summary>Whether a <c>--model</c> value names a catalog model (<c>torchvision:resnet18</c>).</summary>
    public static bool IsCatalogName(string? model) => model?.StartsWith(Prefix, StringComparison.Ordinal) == true;

    /// <summary>Builds the architecture <paramref name="name"/> (without the prefix) with random weights.</summary>
    /// <param name="name">The architecture, e.g. <c>resnet18</c>.</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model.</returns>
    /// <exception cref="CliException">No architecture has that name (a usage error; the message says which names exist).</exception>
    public Module Create(string name, int numClasses)
    {
        try
        {
            return create(name, numClasses);
        }
        catch (ArgumentException e)
        {
            IReadOnlyList<string> known = names();
            string list = known.Count == 0 ? "this build of lenet knows no torchvision architectures"
                : known.Count <= 12 ? $"the architectures are {string.Join(", ", known)}"
                : $"{known.Count} architectures, from {known[0]} to {known[^1]}";
            string message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            throw new CliException(ExitCodes.Usage, $"--model {Prefix}{name}: {message} ({list})", e);
        }
    }
}
