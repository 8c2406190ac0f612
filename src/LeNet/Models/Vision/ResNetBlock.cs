namespace LeNet.Models.Vision;

/// <summary>
/// Which residual block a <see cref="ResNet"/> stacks, torchvision's <c>block</c> argument
/// (<c>Type[Union[BasicBlock, Bottleneck]]</c>).
/// </summary>
public enum ResNetBlock
{
    /// <summary><see cref="Vision.BasicBlock"/>: two 3×3 convolutions, expansion 1 (resnet18, resnet34).</summary>
    BasicBlock,

    /// <summary><see cref="Vision.Bottleneck"/>: 1×1, 3×3, 1×1 convolutions, expansion 4 (resnet50 and deeper, ResNeXt, Wide ResNet).</summary>
    Bottleneck,
}
