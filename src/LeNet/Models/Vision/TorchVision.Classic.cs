using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>torchvision's model builders (<c>torchvision.models.*</c> with <c>weights=None</c>): untrained architectures with torchvision's state-dict keys.</summary>
public static partial class TorchVision
{
    /// <summary>The classic families' names, as torchvision spells them, with their builders.</summary>
    internal static readonly (string Name, Func<int, Module> Create)[] ClassicModels =
    [
        ("alexnet", c => AlexNet(c)),
        ("vgg11", c => Vgg11(c)),
        ("vgg11_bn", c => Vgg11Bn(c)),
        ("vgg13", c => Vgg13(c)),
        ("vgg13_bn", c => Vgg13Bn(c)),
        ("vgg16", c => Vgg16(c)),
        ("vgg16_bn", c => Vgg16Bn(c)),
        ("vgg19", c => Vgg19(c)),
        ("vgg19_bn", c => Vgg19Bn(c)),
        ("squeezenet1_0", c => SqueezeNet1_0(c)),
        ("squeezenet1_1", c => SqueezeNet1_1(c)),
        ("googlenet", c => GoogLeNet(c)),
        ("inception_v3", c => InceptionV3(c)),
    ];

    /// <summary>
    /// <c>torchvision.models.alexnet()</c>: <see cref="Vision.AlexNet"/> (61.1M parameters with 1000 classes).
    /// <c>[N, 3, 224, 224] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static AlexNet AlexNet(int numClasses = 1000) => new(numClasses);

    /// <summary><c>torchvision.models.vgg11()</c>: VGG-11, configuration "A" (132.9M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg11(int numClasses = 1000) => Vgg("A", batchNorm: false, numClasses);

    /// <summary><c>torchvision.models.vgg11_bn()</c>: VGG-11 with BatchNorm (132.9M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg11Bn(int numClasses = 1000) => Vgg("A", batchNorm: true, numClasses);

    /// <summary><c>torchvision.models.vgg13()</c>: VGG-13, configuration "B" (133.0M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg13(int numClasses = 1000) => Vgg("B", batchNorm: false, numClasses);

    /// <summary><c>torchvision.models.vgg13_bn()</c>: VGG-13 with BatchNorm (133.1M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg13Bn(int numClasses = 1000) => Vgg("B", batchNorm: true, numClasses);

    /// <summary><c>torchvision.models.vgg16()</c>: VGG-16, configuration "D" (138.4M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg16(int numClasses = 1000) => Vgg("D", batchNorm: false, numClasses);

    /// <summary><c>torchvision.models.vgg16_bn()</c>: VGG-16 with BatchNorm (138.4M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg16Bn(int numClasses = 1000) => Vgg("D", batchNorm: true, numClasses);

    /// <summary><c>torchvision.models.vgg19()</c>: VGG-19, configuration "E" (143.7M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg19(int numClasses = 1000) => Vgg("E", batchNorm: false, numClasses);

    /// <summary><c>torchvision.models.vgg19_bn()</c>: VGG-19 with BatchNorm (143.7M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static VGG Vgg19Bn(int numClasses = 1000) => Vgg("E", batchNorm: true, numClasses);

    /// <summary>
    /// <c>torchvision.models.squeezenet1_0()</c>: <see cref="SqueezeNet"/> version 1.0 (1.25M parameters).
    /// <c>[N, 3, 224, 224] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">The final convolution's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "torchvision's name squeezenet1_0 in PascalCase: the underscore keeps the version 1.0 readable.")]
    public static SqueezeNet SqueezeNet1_0(int numClasses = 1000) => new("1_0", numClasses);

    /// <summary>
    /// <c>torchvision.models.squeezenet1_1()</c>: <see cref="SqueezeNet"/> version 1.1 (1.24M parameters, 2.4× less
    /// computation than 1.0). <c>[N, 3, 224, 224] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">The final convolution's outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1707:Identifiers should not contain underscores", Justification = "torchvision's name squeezenet1_1 in PascalCase: the underscore keeps the version 1.1 readable.")]
    public static SqueezeNet SqueezeNet1_1(int numClasses = 1000) => new("1_1", numClasses);

    /// <summary>
    /// <c>torchvision.models.googlenet()</c>: <see cref="Vision.GoogLeNet"/> with its auxiliary classifiers
    /// (<c>aux_logits=True</c>, <c>transform_input=False</c>; 13.0M parameters). <c>[N, 3, 224, 224] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">The classifiers' outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static GoogLeNet GoogLeNet(int numClasses = 1000) => new(numClasses);

    /// <summary>
    /// <c>torchvision.models.inception_v3()</c>: <see cref="Inception3"/> with its auxiliary classifier
    /// (<c>aux_logits=True</c>, <c>transform_input=False</c>; 27.2M parameters). <c>[N, 3, 299, 299] → [N, numClasses]</c>.
    /// </summary>
    /// <param name="numClasses">The classifiers' outputs.</param>
    /// <returns>The untrained model, in training mode.</returns>
    public static Inception3 InceptionV3(int numClasses = 1000) => new(numClasses);

    /// <summary>torchvision's <c>_vgg(cfg, batch_norm, ...)</c>.</summary>
    private static VGG Vgg(string cfg, bool batchNorm, int numClasses) =>
        new(VGG.MakeLayers(VGG.Cfgs[cfg], batchNorm: batchNorm), numClasses);
}
