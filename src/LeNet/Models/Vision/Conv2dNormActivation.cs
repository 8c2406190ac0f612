using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>ops.misc.Conv2dNormActivation</c>: a convolution, a normalization and an activation as a
/// <see cref="Sequential"/> whose children are <c>0</c>, <c>1</c>, <c>2</c> (so the state-dict keys are
/// torchvision's: <c>0.weight</c>, <c>1.running_mean</c>, …); the building block of MobileNet, EfficientNet and RegNet.
/// </summary>
public static class Conv2dNormActivation
{
    /// <summary>
    /// Creates the block, like <c>Conv2dNormActivation(in_channels, out_channels, kernel_size, stride, padding,
    /// groups, norm_layer, activation_layer, dilation, bias=None)</c>:
    /// <c>[N, inChannels, H, W] → [N, outChannels, H / stride, W / stride]</c>.
    /// </summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">The square kernel's size.</param>
    /// <param name="stride">The convolution's stride.</param>
    /// <param name="padding">The padding; null for torchvision's <c>(kernel_size − 1) / 2 · dilation</c>.</param>
    /// <param name="groups">The convolution's groups (inChannels for a depthwise convolution).</param>
    /// <param name="norm">Makes the normalization for a channel count; null for <see cref="BatchNorm2d"/> with defaults. Return null for none.</param>
    /// <param name="activation">Makes the activation; null for <see cref="ReLU"/>. Return null for none.</param>
    /// <param name="dilation">The convolution's dilation.</param>
    /// <param name="bias">Whether the convolution has a bias; null for torchvision's rule (only without a normalization).</param>
    /// <returns>A Sequential of the convolution, the normalization (if any) and the activation (if any).</returns>
    public static Sequential Create(
        int inChannels,
        int outChannels,
        int kernelSize = 3,
        int stride = 1,
        int? padding = null,
        int groups = 1,
        Func<int, Layer?>? norm = null,
        Func<Layer?>? activation = null,
        int dilation = 1,
        bool? bias = null)
    {
        Layer? normLayer = (norm ?? (channels => new BatchNorm2d(channels)))(outChannels);
        Layer? activationLayer = (activation ?? (() => new ReLU()))();
        var layers = new List<ILayer>
        {
            new Conv2d(inChannels, outChannels, kernelSize, stride, padding ?? ((kernelSize - 1) / 2 * dilation), bias ?? normLayer is null, dilation, groups),
        };
        if (normLayer is not null)
        {
            layers.Add(normLayer);
        }

        if (activationLayer is not null)
        {
            layers.Add(activationLayer);
        }

        return new Sequential([.. layers]);
    }
}
