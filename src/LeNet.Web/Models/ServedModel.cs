using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Web.Models;

/// <summary>One model the app serves: its name in the API, the network (evaluation mode, shared by every request) and where its weights came from.</summary>
/// <param name="Variant">Which LeNet.</param>
/// <param name="Network">The network, in evaluation mode: <c>Forward</c> is thread-safe.</param>
/// <param name="Source">"pretrained" or the weights file's path.</param>
/// <param name="Metadata">The weights file's <c>__metadata__</c> (recipe, epochs, test accuracy, …).</param>
internal sealed record ServedModel(LeNetVariant Variant, Sequential Network, string Source, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>The name used by <c>?model=</c> and in answers: "classic" or "modern".</summary>
    public string Name => NameOf(Variant);

    /// <summary>The API name of a variant.</summary>
    /// <param name="variant">The variant.</param>
    /// <returns>"classic" or "modern".</returns>
    public static string NameOf(LeNetVariant variant) => variant == LeNetVariant.Classic ? "classic" : "modern";

    /// <summary>Parses an API name, ignoring case.</summary>
    /// <param name="name">"classic" or "modern".</param>
    /// <param name="variant">The variant, when the name is known.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParseName(string? name, out LeNetVariant variant)
    {
        bool classic = string.Equals(name, "classic", StringComparison.OrdinalIgnoreCase);
        variant = classic ? LeNetVariant.Classic : LeNetVariant.Modern;
        return classic || string.Equals(name, "modern", StringComparison.OrdinalIgnoreCase);
    }
}
