using LeNet.Layers;

#pragma warning disable CA1707 // The builders keep torchvision's digit groups apart (resnext50_32x4d → ResNeXt50_32X4D, wide_resnet50_2 → WideResNet50_2).

namespace LeNet.Models.Vision;

/// <summary>torchvision's model builders (<c>torchvision.models.resnet18(weights=None, num_classes=…)</c> and the rest), by name.</summary>
public static partial class TorchVision
{
    /// <summary>The ResNet and DenseNet families: each torchvision name with its builder.</summary>
    internal static readonly (string Name, Func<int, Module> Create)[] ResNetModels =
    [
        ("resnet18", c => ResNet18(c)),
        ("resnet34", c => ResNet34(c)),
        ("resnet50", c => ResNet50(c)),
        ("resnet101", c => ResNet101(c)),
        ("resnet152", c => ResNet152(c)),
        ("resnext50_32x4d", c => ResNeXt50_32X4D(c)),
        ("resnext101_32x8d", c => ResNeXt101_32X8D(c)),
        ("resnext101_64x4d", c => ResNeXt101_64X4D(c)),
        ("wide_resnet50_2", c => WideResNet50_2(c)),
        ("wide_resnet101_2", c => WideResNet101_2(c)),
        ("densenet121", c => DenseNet121(c)),
        ("densenet161", c => DenseNet161(c)),
        ("densenet169", c => DenseNet169(c)),
        ("densenet201", c => DenseNet201(c)),
    ];

    /// <summary>torchvision's <c>resnet18</c>: BasicBlock, stages [2, 2, 2, 2]; 11,689,512 parameters for 1000 classes. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNet18(int numClasses = 1000) => new(ResNetBlock.BasicBlock, [2, 2, 2, 2], numClasses);

    /// <summary>torchvision's <c>resnet34</c>: BasicBlock, stages [3, 4, 6, 3]; 21,797,672 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNet34(int numClasses = 1000) => new(ResNetBlock.BasicBlock, [3, 4, 6, 3], numClasses);

    /// <summary>torchvision's <c>resnet50</c>: Bottleneck, stages [3, 4, 6, 3]; 25,557,032 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNet50(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 6, 3], numClasses);

    /// <summary>torchvision's <c>resnet101</c>: Bottleneck, stages [3, 4, 23, 3]; 44,549,160 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNet101(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 23, 3], numClasses);

    /// <summary>torchvision's <c>resnet152</c>: Bottleneck, stages [3, 8, 36, 3]; 60,192,808 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNet152(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 8, 36, 3], numClasses);

    /// <summary>torchvision's <c>resnext50_32x4d</c>: Bottleneck, stages [3, 4, 6, 3], 32 groups of width 4; 25,028,904 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNeXt50_32X4D(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 6, 3], numClasses, groups: 32, widthPerGroup: 4);

    /// <summary>torchvision's <c>resnext101_32x8d</c>: Bottleneck, stages [3, 4, 23, 3], 32 groups of width 8; 88,791,336 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNeXt101_32X8D(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 23, 3], numClasses, groups: 32, widthPerGroup: 8);

    /// <summary>torchvision's <c>resnext101_64x4d</c>: Bottleneck, stages [3, 4, 23, 3], 64 groups of width 4; 83,455,272 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet ResNeXt101_64X4D(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 23, 3], numClasses, groups: 64, widthPerGroup: 4);

    /// <summary>torchvision's <c>wide_resnet50_2</c>: Bottleneck, stages [3, 4, 6, 3], inner width doubled (128 per group); 68,883,240 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet WideResNet50_2(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 6, 3], numClasses, widthPerGroup: 64 * 2);

    /// <summary>torchvision's <c>wide_resnet101_2</c>: Bottleneck, stages [3, 4, 23, 3], inner width doubled (128 per group); 126,886,696 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static ResNet WideResNet101_2(int numClasses = 1000) => new(ResNetBlock.Bottleneck, [3, 4, 23, 3], numClasses, widthPerGroup: 64 * 2);

    /// <summary>torchvision's <c>densenet121</c>: growth rate 32, blocks (6, 12, 24, 16), 64 initial features; 7,978,856 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static DenseNet DenseNet121(int numClasses = 1000) => new(32, [6, 12, 24, 16], 64, numClasses: numClasses);

    /// <summary>torchvision's <c>densenet161</c>: growth rate 48, blocks (6, 12, 36, 24), 96 initial features; 28,681,000 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static DenseNet DenseNet161(int numClasses = 1000) => new(48, [6, 12, 36, 24], 96, numClasses: numClasses);

    /// <summary>torchvision's <c>densenet169</c>: growth rate 32, blocks (6, 12, 32, 32), 64 initial features; 14,149,480 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static DenseNet DenseNet169(int numClasses = 1000) => new(32, [6, 12, 32, 32], 64, numClasses: numClasses);

    /// <summary>torchvision's <c>densenet201</c>: growth rate 32, blocks (6, 12, 48, 32), 64 initial features; 20,013,928 parameters. <c>[N, 3, H, W] → [N, numClasses]</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode, initialized as torchvision.</returns>
    public static DenseNet DenseNet201(int numClasses = 1000) => new(32, [6, 12, 48, 32], 64, numClasses: numClasses);
}
