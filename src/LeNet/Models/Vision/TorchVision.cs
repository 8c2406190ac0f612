using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision 0.14's convolutional classification architectures, written as Modules with torchvision's state-dict
/// keys, shapes and parameter counts, so a <c>model.pth</c> saved from <c>torchvision.models.resnet18()</c> (or a
/// fine-tuned copy) loads with <c>strict: true</c>. Random initial weights (pretrained ones cannot be fetched here:
/// download torchvision's <c>.pth</c> yourself and <see cref="Module.Load"/> it).
/// </summary>
/// <remarks>
/// <c>GetModel("resnet18")</c> is <c>torchvision.models.get_model("resnet18")</c>; each name also has a typed factory
/// (<c>TorchVision.ResNet18()</c>). Every model takes <c>[N, 3, H, W]</c> images normalized with ImageNet's mean and
/// standard deviation and returns <c>[N, numClasses]</c> logits.
/// </remarks>
public static partial class TorchVision
{
    private static Dictionary<string, Func<int, Module>>? _registry;

    /// <summary>Every family's names and builders (built on first use: the families' tables live in the other parts of this class).</summary>
    private static Dictionary<string, Func<int, Module>> Registry => LazyInitializer.EnsureInitialized(ref _registry, () =>
    {
        (string Name, Func<int, Module> Create)[] models = [.. ClassicModels, .. ResNetModels, .. MobileModels, .. ScaledModels];
        return models.ToDictionary(m => m.Name, m => m.Create, StringComparer.Ordinal);
    });

    /// <summary>Every architecture name <see cref="GetModel"/> takes, as torchvision spells it, sorted.</summary>
    /// <returns>The names (<c>alexnet</c>, <c>convnext_base</c>, …).</returns>
    public static IReadOnlyList<string> ListModels() => [.. Registry.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Builds the architecture <paramref name="name"/> with random weights, like <c>torchvision.models.get_model(name, num_classes=…)</c>.</summary>
    /// <param name="name">A torchvision name, e.g. <c>resnet18</c>, <c>mobilenet_v3_small</c>, <c>efficientnet_b0</c>.</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, in training mode (call <see cref="Layer.Eval"/> for inference).</returns>
    /// <exception cref="ArgumentException">No architecture has that name; the message lists the close ones.</exception>
    public static Module GetModel(string name, int numClasses = 1000)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (Registry.TryGetValue(name, out Func<int, Module>? create))
        {
            return create(numClasses);
        }

        string prefix = name.Length >= 3 ? name[..3] : name;
        string[] close = [.. Registry.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)];
        throw new ArgumentException(
            $"TorchVision.GetModel: no architecture named '{name}'" + (close.Length > 0 ? $"; did you mean {string.Join(", ", close)}?" : $"; the {Registry.Count} names are listed by TorchVision.ListModels()."),
            nameof(name));
    }
}
