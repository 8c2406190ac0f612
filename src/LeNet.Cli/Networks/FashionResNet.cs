using LeNet.Layers;

namespace LeNet.Cli.Networks;

/// <summary>
/// A small ResNet in the spirit of d2l's ResNet chapter, sized for 28×28 grey images and two cores (the
/// <c>resnet</c> recipe): a 3×3 stem (1 → 32 channels) with BatchNorm and ReLU, three stages of
/// <see cref="Residual"/> blocks (32, 64 and 128 channels at strides 1, 2, 2: 28×28, 14×14, 7×7), global
/// average pooling and a linear classifier. <c>[N, 1, 28, 28] → [N, numClasses]</c> logits.
/// </summary>
/// <remarks>
/// State-dict keys: <c>stem.0.weight</c> (the stem's convolution), <c>stem.1.*</c> (its BatchNorm),
/// <c>stage1.0.conv1.weight</c> …, <c>fc.weight</c>, <c>fc.bias</c>; the same names as the PyTorch reference
/// (<c>tests/LeNet.Tests/Golden/torchnn/train_fashion_resnet_reference.py</c>), so weights move both ways.
/// </remarks>
internal sealed class FashionResNet : Module
{
    /// <summary>The channels of the three stages.</summary>
    public static readonly int[] StageChannels = [32, 64, 128];

    private readonly Sequential _stem;
    private readonly Sequential[] _stages;
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Flatten _flatten;
    private readonly Linear _fc;

    /// <summary>Creates the network with torch's default initialisation, drawn from <paramref name="seed"/>.</summary>
    /// <param name="blocksPerStage">Residual blocks in each stage (d2l's ResNet-18 has 2).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="seed">Seeds the initial weights.</param>
    public FashionResNet(int blocksPerStage = 1, int numClasses = 10, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocksPerStage, 1);
        var random = new Random(seed);
        int stemChannels = StageChannels[0];
        _stem = Register("stem", new Sequential(new Conv2d(1, stemChannels, 3, padding: 1, random: random), new BatchNorm2d(stemChannels), new ReLU()));
        _stages = new Sequential[StageChannels.Length];
        int channels = stemChannels;
        for (int s = 0; s < StageChannels.Length; s++)
        {
            // d2l's resnet_block: the first stage keeps the stem's shape; every later one halves the size and
            // widens in its first block, whose shortcut is then a strided 1×1 convolution.
            int stride = s == 0 ? 1 : 2;
            var blocks = new ILayer[blocksPerStage];
            for (int b = 0; b < blocksPerStage; b++)
            {
                bool first = b == 0;
                int inChannels = first ? channels : StageChannels[s];
                bool changes = first && (stride != 1 || inChannels != StageChannels[s]);
                blocks[b] = new Residual(inChannels, StageChannels[s], use1x1Conv: changes, stride: first ? stride : 1, random: random);
            }

            _stages[s] = Register($"stage{s + 1}", new Sequential(blocks));
            channels = StageChannels[s];
        }

        _pool = Register("pool", new AdaptiveAvgPool2d(1));
        _flatten = Register("flatten", new Flatten());
        _fc = Register("fc", new Linear(channels, numClasses, random: random));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 1, 28, 28] → stem [N, 32, 28, 28] → stages [N, 32, 28, 28], [N, 64, 14, 14], [N, 128, 7, 7] → pool, flatten [N, 128] → fc [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _stem.Forward(input);
        foreach (Sequential stage in _stages)
        {
            x = stage.Forward(x);
        }

        return _fc.Forward(_flatten.Forward(_pool.Forward(x)));
    }
}
