using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// The CIFAR-10 ResNets of He et al. 2016 (section 4.2) as in akamaster/pytorch_resnet_cifar10: a 3×3 convolution to 16
/// channels, three stages (<c>layer1</c>…<c>layer3</c>) of n BasicBlocks with 16, 32 and 64 channels (the last two
/// halving the resolution), a global average pool and a linear classifier <c>linear</c> — 6n + 2 layers (ResNet-20:
/// n = 3, 269,722 parameters). <c>[N, 3, 32, 32] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// <para>The shortcuts are the paper's option A: where a block changes shape, the identity subsampled by 2
/// (<c>x[:, :, ::2, ::2]</c>) with zero channels padded on both sides (<c>F.pad(…, (0, 0, 0, 0, planes / 4, planes / 4))</c>,
/// akamaster's <c>LambdaLayer</c>), so shortcuts add no parameters. Elsewhere the shortcut is the identity
/// (an empty <c>nn.Sequential</c>).</para>
/// <para>State-dict keys are akamaster's: <c>conv1.weight</c>, <c>bn1.*</c>, <c>layer1.0.conv1.weight</c>,
/// <c>layer1.0.bn1.*</c>, <c>layer1.0.conv2.weight</c>, <c>layer1.0.bn2.*</c>, …, <c>linear.weight</c>, <c>linear.bias</c>.</para>
/// </remarks>
public sealed class CifarResNet : Module
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Sequential _layer1;
    private readonly Sequential _layer2;
    private readonly Sequential _layer3;
    private readonly Linear _linear;
    private readonly Random? _random;
    private int _inPlanes;

    /// <summary>
    /// Creates the network, like akamaster's <c>ResNet(BasicBlock, num_blocks, num_classes)</c>, initialized as there:
    /// every convolution's and the classifier's weight <c>kaiming_normal_</c> (fan_in), the rest PyTorch's defaults.
    /// </summary>
    /// <param name="numBlocks">The BasicBlocks in each of the three stages (ResNet-20: <c>[3, 3, 3]</c>).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="random">The source of the initial values; <see cref="Random.Shared"/> when null.</param>
    /// <exception cref="ArgumentException"><paramref name="numBlocks"/> does not have three entries, or one is below 1.</exception>
    public CifarResNet(int[] numBlocks, int numClasses = 10, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(numBlocks);
        if (numBlocks.Length != 3 || numBlocks.Any(n => n < 1))
        {
            throw new ArgumentException($"CifarResNet: expected 3 stage lengths of at least 1, got [{string.Join(", ", numBlocks)}].", nameof(numBlocks));
        }

        _random = random;
        _inPlanes = 16;

        _conv1 = Register("conv1", new Conv2d(3, 16, kernelSize: 3, stride: 1, padding: 1, bias: false, random: random));
        _bn1 = Register("bn1", new BatchNorm2d(16));
        _layer1 = Register("layer1", MakeLayer(16, numBlocks[0], stride: 1));
        _layer2 = Register("layer2", MakeLayer(32, numBlocks[1], stride: 2));
        _layer3 = Register("layer3", MakeLayer(64, numBlocks[2], stride: 2));
        _linear = Register("linear", new Linear(64, numClasses, random: random));

        // self.apply(_weights_init)
        Random init = random ?? Random.Shared;
        foreach ((_, ILayer m) in NamedModules())
        {
            if (m is Conv2d conv)
            {
                ResNetInit.KaimingNormal(conv.Weight.Value, fanOut: false, init);
            }
            else if (m is Linear linear)
            {
                ResNetInit.KaimingNormal(linear.Weight.Value, fanOut: false, init);
            }
        }
    }

    /// <summary>ResNet-20 (n = 3): 269,722 parameters for 10 classes, the paper's 0.27M.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode.</returns>
    public static CifarResNet ResNet20(int numClasses = 10) => new([3, 3, 3], numClasses);

    /// <summary>ResNet-32 (n = 5): 464,154 parameters for 10 classes (the paper's 0.46M).</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode.</returns>
    public static CifarResNet ResNet32(int numClasses = 10) => new([5, 5, 5], numClasses);

    /// <summary>ResNet-44 (n = 7): 658,586 parameters for 10 classes (the paper's 0.66M).</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode.</returns>
    public static CifarResNet ResNet44(int numClasses = 10) => new([7, 7, 7], numClasses);

    /// <summary>ResNet-56 (n = 9): 853,018 parameters for 10 classes (the paper's 0.85M).</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <returns>A new model in training mode.</returns>
    public static CifarResNet ResNet56(int numClasses = 10) => new([9, 9, 9], numClasses);

    private Sequential MakeLayer(int planes, int numBlocks, int stride)
    {
        var layers = new ILayer[numBlocks];
        for (int i = 0; i < numBlocks; i++)
        {
            layers[i] = new CifarBasicBlock(_inPlanes, planes, i == 0 ? stride : 1, _random);
            _inPlanes = planes;
        }

        return new Sequential(layers);
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>; the average pool's kernel is the last stage's width (8 for 32×32 inputs).</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor output = F.Relu(_bn1.Forward(_conv1.Forward(input)));
        output = _layer1.Forward(output);
        output = _layer2.Forward(output);
        output = _layer3.Forward(output);
        output = F.AvgPool2d(output, output.Shape[3]);
        output = output.Reshape(output.Shape[0], -1);
        output = _linear.Forward(output);
        return output;
    }

    /// <summary>
    /// akamaster's <c>BasicBlock</c> with option A: <c>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))</c>.
    /// <c>[N, inPlanes, H, W] → [N, planes, H / stride, W / stride]</c>.
    /// </summary>
    private sealed class CifarBasicBlock : Module
    {
        private readonly Conv2d _conv1;
        private readonly BatchNorm2d _bn1;
        private readonly Conv2d _conv2;
        private readonly BatchNorm2d _bn2;
        private readonly Module _shortcut;

        public CifarBasicBlock(int inPlanes, int planes, int stride, Random? random)
        {
            _conv1 = Register("conv1", new Conv2d(inPlanes, planes, kernelSize: 3, stride: stride, padding: 1, bias: false, random: random));
            _bn1 = Register("bn1", new BatchNorm2d(planes));
            _conv2 = Register("conv2", new Conv2d(planes, planes, kernelSize: 3, stride: 1, padding: 1, bias: false, random: random));
            _bn2 = Register("bn2", new BatchNorm2d(planes));
            _shortcut = Register("shortcut", stride != 1 || inPlanes != planes ? new OptionAShortcut(planes / 4) : (Module)new Sequential());
        }

        public override string Name => "BasicBlock";

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor output = F.Relu(_bn1.Forward(_conv1.Forward(input)));
            output = _bn2.Forward(_conv2.Forward(output));
            output += _shortcut.Forward(input);
            output = F.Relu(output);
            return output;
        }
    }

    /// <summary>
    /// akamaster's <c>LambdaLayer(lambda x: F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))</c>:
    /// every other row and column (a 1×1 max pool with stride 2 picks exactly those), then <paramref name="padChannels"/>
    /// zero channels before and after. <c>[N, C, H, W] → [N, C + 2 · padChannels, ⌈H / 2⌉, ⌈W / 2⌉]</c>.
    /// </summary>
    private sealed class OptionAShortcut(int padChannels) : Module
    {
        public override string Name => "LambdaLayer";

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor subsampled = F.MaxPool2d(input, kernelSize: 1, stride: 2);

            // One Pad op (not zeros concatenated): no batch size baked into the recorded graph or its ONNX export.
            return F.Pad(subsampled, [0, 0, 0, 0, padChannels, padChannels]);
        }
    }
}
