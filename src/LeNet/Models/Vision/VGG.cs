using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>models.vgg.VGG</c> (Simonyan and Zisserman 2014): a stack of 3×3 convolutions and 2×2 max pools
/// (<c>features</c>, built by <see cref="MakeLayers"/> from one of <see cref="Cfgs"/>), an adaptive average pool to
/// 7×7 (<c>avgpool</c>) and three fully connected layers with dropout (<c>classifier</c>).
/// <c>[N, 3, H, W] → [N, numClasses]</c>, H and W ≥ 32.
/// </summary>
/// <remarks>
/// The state-dict keys are torchvision's (<c>features.0.weight</c>, <c>features.1.running_mean</c> with batch
/// normalization, <c>classifier.6.bias</c>). With <c>initWeights</c>, convolutions get Kaiming-normal weights
/// (fan out) and zero biases, BatchNorm weight 1 and bias 0, linear layers N(0, 0.01²) weights and zero biases.
/// </remarks>
public sealed class VGG : Module
{
    /// <summary>The max-pool marker in a configuration (torchvision's <c>"M"</c>); any other entry is a convolution's output channels.</summary>
    public const int M = 0;

    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <summary>
    /// Creates the model, like <c>VGG(features, num_classes=1000, init_weights=True, dropout=0.5)</c>.
    /// </summary>
    /// <param name="features">The convolutional part, mapping <c>[N, 3, H, W]</c> to <c>[N, 512, h, w]</c> (see <see cref="MakeLayers"/>).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="initWeights">Whether to apply torchvision's initialisation (see the remarks).</param>
    /// <param name="dropout">The probability of the classifier's two Dropout layers.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    public VGG(Sequential features, int numClasses = 1000, bool initWeights = true, float dropout = 0.5f, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        random ??= new Random();
        _features = Register("features", features);
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((7, 7)));
        _classifier = Register("classifier", new Sequential(
            new Linear(512 * 7 * 7, 4096, random: random),
            new ReLU(),
            new Dropout(p: dropout),
            new Linear(4096, 4096, random: random),
            new ReLU(),
            new Dropout(p: dropout),
            new Linear(4096, numClasses, random: random)));
        if (initWeights)
        {
            foreach ((_, ILayer m) in NamedModules())
            {
                if (m is Conv2d conv)
                {
                    ClassicInit.KaimingNormalFanOut(conv.Weight.Value, random);
                    if (conv.Bias is not null)
                    {
                        ClassicInit.Constant(conv.Bias.Value, 0);
                    }
                }
                else if (m is BatchNorm2d bn)
                {
                    ClassicInit.Constant(bn.Weight!.Value, 1);
                    ClassicInit.Constant(bn.Bias!.Value, 0);
                }
                else if (m is Linear linear)
                {
                    ClassicInit.Normal(linear.Weight.Value, 0, 0.01, random);
                    ClassicInit.Constant(linear.Bias!.Value, 0);
                }
            }
        }
    }

    /// <summary>
    /// torchvision's configurations: <c>"A"</c> VGG-11, <c>"B"</c> VGG-13, <c>"D"</c> VGG-16, <c>"E"</c> VGG-19
    /// (<see cref="M"/> is a max pool).
    /// </summary>
    public static IReadOnlyDictionary<string, int[]> Cfgs { get; } = new Dictionary<string, int[]>
    {
        ["A"] = [64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M],
        ["B"] = [64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M],
        ["D"] = [64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M],
        ["E"] = [64, 64, M, 128, 128, M, 256, 256, 256, 256, M, 512, 512, 512, 512, M, 512, 512, 512, 512, M],
    };

    /// <summary>
    /// Builds the convolutional part, like torchvision's <c>make_layers(cfg, batch_norm)</c>: for each entry a 3×3
    /// convolution (padding 1) followed by a BatchNorm (with <paramref name="batchNorm"/>) and a ReLU, or for
    /// <see cref="M"/> a 2×2 max pool with stride 2. <c>[N, 3, H, W] → [N, last channels, H / 2^pools, W / 2^pools]</c>.
    /// </summary>
    /// <param name="cfg">Output channels per convolution, <see cref="M"/> for a max pool.</param>
    /// <param name="batchNorm">Whether each convolution is followed by a <see cref="BatchNorm2d"/>.</param>
    /// <returns>A Sequential whose children are numbered as torchvision's.</returns>
    public static Sequential MakeLayers(IReadOnlyList<int> cfg, bool batchNorm = false)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        var layers = new List<ILayer>();
        int inChannels = 3;
        foreach (int v in cfg)
        {
            if (v == M)
            {
                layers.Add(new MaxPool2d(kernelSize: 2, stride: 2));
            }
            else
            {
                var conv2d = new Conv2d(inChannels, v, kernelSize: 3, padding: 1);
                if (batchNorm)
                {
                    layers.AddRange([conv2d, new BatchNorm2d(v), new ReLU()]);
                }
                else
                {
                    layers.AddRange([conv2d, new ReLU()]);
                }

                inChannels = v;
            }
        }

        return new Sequential([.. layers]);
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, 512, 7, 7] → [N, 25088] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);
        x = _avgpool.Forward(x);
        x = x.Flatten(1);
        x = _classifier.Forward(x);
        return x;
    }
}
