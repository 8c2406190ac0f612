using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>densenet._DenseLayer</c>: the bottleneck layer of DenseNet-BC —
/// <c>conv2(relu2(norm2(conv1(relu1(norm1(cat(features)))))))</c>, a 1×1 convolution to <c>bnSize · growthRate</c>
/// channels, then a 3×3 convolution to <c>growthRate</c> new feature maps.
/// <c>[N, numInputFeatures, H, W] → [N, growthRate, H, W]</c>.
/// </summary>
public sealed class DenseLayer : Module
{
    private readonly BatchNorm2d _norm1;
    private readonly ReLU _relu1;
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _norm2;
    private readonly ReLU _relu2;
    private readonly Conv2d _conv2;

    /// <summary>Creates the layer, like <c>_DenseLayer(num_input_features, growth_rate, bn_size, drop_rate)</c>.</summary>
    /// <param name="numInputFeatures">Input channels: the block's input plus every earlier layer's new features.</param>
    /// <param name="growthRate">New feature maps (<c>k</c> in the paper).</param>
    /// <param name="bnSize">The bottleneck's channels as a multiple of <paramref name="growthRate"/>.</param>
    /// <param name="dropRate">Dropout probability on the new features in training mode (0: none).</param>
    /// <param name="random">The source of the convolutions' initial values; <see cref="Random.Shared"/> when null.</param>
    public DenseLayer(int numInputFeatures, int growthRate, int bnSize, float dropRate, Random? random = null)
    {
        _norm1 = Register("norm1", new BatchNorm2d(numInputFeatures));
        _relu1 = Register("relu1", new ReLU());
        _conv1 = Register("conv1", new Conv2d(numInputFeatures, bnSize * growthRate, kernelSize: 1, stride: 1, bias: false, random: random));

        _norm2 = Register("norm2", new BatchNorm2d(bnSize * growthRate));
        _relu2 = Register("relu2", new ReLU());
        _conv2 = Register("conv2", new Conv2d(bnSize * growthRate, growthRate, kernelSize: 3, stride: 1, padding: 1, bias: false, random: random));

        DropRate = dropRate;
    }

    /// <summary>The dropout probability on the new features in training mode.</summary>
    public float DropRate { get; }

    /// <summary>
    /// The layer on the concatenation of <paramref name="prevFeatures"/> along the channels, as torchvision's
    /// forward takes a list: <c>[N, Σ Cᵢ, H, W] → [N, growthRate, H, W]</c>.
    /// </summary>
    /// <param name="prevFeatures">The block's input and every earlier layer's output, in order.</param>
    /// <returns>The new features.</returns>
    public Tensor Forward(IReadOnlyList<Tensor> prevFeatures)
    {
        ArgumentNullException.ThrowIfNull(prevFeatures);
        return Forward(prevFeatures.Count == 1 ? prevFeatures[0] : Tensor.Cat(prevFeatures, 1));
    }

    /// <summary>torchvision's <c>bn_function</c> on the already concatenated features: <c>conv1(relu1(norm1(x)))</c>.</summary>
    private Tensor BnFunction(Tensor concatedFeatures) => _conv1.Forward(_relu1.Forward(_norm1.Forward(concatedFeatures)));

    /// <inheritdoc/>
    /// <remarks><c>[N, numInputFeatures, H, W] → [N, growthRate, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor bottleneckOutput = BnFunction(input);
        Tensor newFeatures = _conv2.Forward(_relu2.Forward(_norm2.Forward(bottleneckOutput)));
        if (DropRate > 0)
        {
            newFeatures = F.Dropout(newFeatures, DropRate, IsTraining);
        }

        return newFeatures;
    }
}
