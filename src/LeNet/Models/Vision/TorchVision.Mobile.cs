using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>torchvision's model builders (<c>torchvision.models.*</c> with <c>weights=None</c>), one typed factory per name.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "torchvision's names in PascalCase: the underscore separates the digits of a width (MnasNet0_5, ShuffleNetV2X1_5).")]
public static partial class TorchVision
{
    /// <summary>The mobile families' builders by torchvision name: MobileNetV2, MobileNetV3, MNASNet, ShuffleNetV2.</summary>
    internal static readonly (string Name, Func<int, Module> Create)[] MobileModels =
    [
        ("mobilenet_v2", c => MobileNetV2(c)),
        ("mobilenet_v3_large", c => MobileNetV3Large(c)),
        ("mobilenet_v3_small", c => MobileNetV3Small(c)),
        ("mnasnet0_5", c => MnasNet0_5(c)),
        ("mnasnet0_75", c => MnasNet0_75(c)),
        ("mnasnet1_0", c => MnasNet1_0(c)),
        ("mnasnet1_3", c => MnasNet1_3(c)),
        ("shufflenet_v2_x0_5", c => ShuffleNetV2X0_5(c)),
        ("shufflenet_v2_x1_0", c => ShuffleNetV2X1_0(c)),
        ("shufflenet_v2_x1_5", c => ShuffleNetV2X1_5(c)),
        ("shufflenet_v2_x2_0", c => ShuffleNetV2X2_0(c)),
    ];

    /// <summary><c>mobilenet_v2()</c>: MobileNetV2 with width 1.0 (3.5 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MobileNetV2 MobileNetV2(int numClasses = 1000) => new(numClasses);

    /// <summary><c>mobilenet_v3_large()</c> (5.5 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MobileNetV3 MobileNetV3Large(int numClasses = 1000)
    {
        (IReadOnlyList<InvertedResidualConfig> setting, int lastChannel) = Vision.MobileNetV3.Configuration("mobilenet_v3_large");
        return new MobileNetV3(setting, lastChannel, numClasses);
    }

    /// <summary><c>mobilenet_v3_small()</c> (2.5 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MobileNetV3 MobileNetV3Small(int numClasses = 1000)
    {
        (IReadOnlyList<InvertedResidualConfig> setting, int lastChannel) = Vision.MobileNetV3.Configuration("mobilenet_v3_small");
        return new MobileNetV3(setting, lastChannel, numClasses);
    }

    /// <summary><c>mnasnet0_5()</c>: MNASNet with depth multiplier 0.5 (2.2 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MNASNet MnasNet0_5(int numClasses = 1000) => new(0.5, numClasses);

    /// <summary><c>mnasnet0_75()</c>: MNASNet with depth multiplier 0.75 (3.2 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MNASNet MnasNet0_75(int numClasses = 1000) => new(0.75, numClasses);

    /// <summary><c>mnasnet1_0()</c>: MNASNet with depth multiplier 1.0 (4.4 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MNASNet MnasNet1_0(int numClasses = 1000) => new(1.0, numClasses);

    /// <summary><c>mnasnet1_3()</c>: MNASNet with depth multiplier 1.3 (6.3 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, initialized as torchvision does.</returns>
    public static MNASNet MnasNet1_3(int numClasses = 1000) => new(1.3, numClasses);

    /// <summary><c>shufflenet_v2_x0_5()</c>: stages [4, 8, 4], channels [24, 48, 96, 192, 1024] (1.4 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, with PyTorch's default initialization.</returns>
    public static ShuffleNetV2 ShuffleNetV2X0_5(int numClasses = 1000) => new([4, 8, 4], [24, 48, 96, 192, 1024], numClasses);

    /// <summary><c>shufflenet_v2_x1_0()</c>: stages [4, 8, 4], channels [24, 116, 232, 464, 1024] (2.3 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, with PyTorch's default initialization.</returns>
    public static ShuffleNetV2 ShuffleNetV2X1_0(int numClasses = 1000) => new([4, 8, 4], [24, 116, 232, 464, 1024], numClasses);

    /// <summary><c>shufflenet_v2_x1_5()</c>: stages [4, 8, 4], channels [24, 176, 352, 704, 1024] (3.5 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, with PyTorch's default initialization.</returns>
    public static ShuffleNetV2 ShuffleNetV2X1_5(int numClasses = 1000) => new([4, 8, 4], [24, 176, 352, 704, 1024], numClasses);

    /// <summary><c>shufflenet_v2_x2_0()</c>: stages [4, 8, 4], channels [24, 244, 488, 976, 2048] (7.4 M parameters for 1000 classes). <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The model, with PyTorch's default initialization.</returns>
    public static ShuffleNetV2 ShuffleNetV2X2_0(int numClasses = 1000) => new([4, 8, 4], [24, 244, 488, 976, 2048], numClasses);
}
