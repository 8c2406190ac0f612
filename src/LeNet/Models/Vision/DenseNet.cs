using System.Globalization;
using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>densenet.DenseNet</c>, the DenseNet-BC of Huang et al. 2017: a 7×7 stem and a max pool, four dense
/// blocks with a <see cref="Transition"/> (halving channels and resolution) between them, a final BatchNorm
/// (<c>features.norm5</c>), ReLU, a global average pool and a linear <c>classifier</c>.
/// <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// State-dict keys are torchvision's: <c>features.conv0.weight</c>, <c>features.denseblock1.denselayer1.norm1.weight</c>,
/// <c>features.transition1.conv.weight</c>, <c>features.norm5.running_var</c>, <c>classifier.weight</c>. torchvision's
/// <c>memory_efficient</c> (gradient checkpointing) changes memory, not results, and is not offered.
/// </remarks>
public sealed class DenseNet : Module
{
    private readonly Sequential _features;
    private readonly Linear _classifier;

    /// <summary>
    /// Creates the network, like <c>DenseNet(growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64,
    /// bn_size=4, drop_rate=0, num_classes=1000)</c>, initialized as torchvision: convolutions
    /// <c>kaiming_normal_</c> (fan_in), BatchNorm weight 1 and bias 0, the classifier's bias 0.
    /// </summary>
    /// <param name="growthRate">How many feature maps each dense layer adds (<c>k</c> in the paper).</param>
    /// <param name="blockConfig">How many layers each of the four dense blocks has; null for (6, 12, 24, 16).</param>
    /// <param name="numInitFeatures">The stem convolution's output channels.</param>
    /// <param name="bnSize">The bottleneck's channels as a multiple of the growth rate.</param>
    /// <param name="dropRate">Dropout probability after each dense layer in training mode.</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    public DenseNet(int growthRate = 32, int[]? blockConfig = null, int numInitFeatures = 64, int bnSize = 4, float dropRate = 0, int numClasses = 1000, Random? random = null)
    {
        blockConfig ??= [6, 12, 24, 16];

        // First convolution
        var features = new List<(string Name, ILayer Layer)>
        {
            ("conv0", new Conv2d(3, numInitFeatures, kernelSize: 7, stride: 2, padding: 3, bias: false, random: random)),
            ("norm0", new BatchNorm2d(numInitFeatures)),
            ("relu0", new ReLU()),
            ("pool0", new MaxPool2d(kernelSize: 3, stride: 2, padding: 1)),
        };

        // Each denseblock
        int numFeatures = numInitFeatures;
        for (int i = 0; i < blockConfig.Length; i++)
        {
            int numLayers = blockConfig[i];
            var block = new DenseBlock(numLayers, numFeatures, bnSize, growthRate, dropRate, random);
            features.Add((string.Create(CultureInfo.InvariantCulture, $"denseblock{i + 1}"), block));
            numFeatures += numLayers * growthRate;
            if (i != blockConfig.Length - 1)
            {
                var trans = new Transition(numFeatures, numFeatures / 2, random);
                features.Add((string.Create(CultureInfo.InvariantCulture, $"transition{i + 1}"), trans));
                numFeatures /= 2;
            }
        }

        // Final batch norm
        features.Add(("norm5", new BatchNorm2d(numFeatures)));
        _features = Register("features", new Sequential([.. features]));

        // Linear layer
        _classifier = Register("classifier", new Linear(numFeatures, numClasses, random: random));

        // Official init from torch repo (BatchNorm already starts at weight 1, bias 0).
        Random init = random ?? Random.Shared;
        foreach ((_, ILayer m) in NamedModules())
        {
            if (m is Conv2d conv)
            {
                ResNetInit.KaimingNormal(conv.Weight.Value, fanOut: false, init);
            }
            else if (m is Linear { Bias: { } bias })
            {
                bias.Value.AsSpan().Clear();
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor features = _features.Forward(input);
        Tensor output = F.Relu(features);
        output = F.AdaptiveAvgPool2d(output, (1, 1));
        output = output.Flatten(1);
        output = _classifier.Forward(output);
        return output;
    }
}
