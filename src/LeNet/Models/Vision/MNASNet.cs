using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>MNASNet</c> (Tan et al., "MnasNet: Platform-Aware Neural Architecture Search for Mobile", the B1
/// variant): <c>layers</c> (a strided 3×3 stem, a depthwise separable convolution, six stacks of inverted residuals, a
/// 1×1 convolution to 1280 channels), the spatial mean and <c>classifier</c> (Dropout, Linear). BatchNorm momentum is
/// 1 − 0.9997 (the paper's TensorFlow decay 0.9997). <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
public sealed class MNASNet : Module
{
    // Paper suggests 0.9997 momentum, for TensorFlow. Equivalent PyTorch momentum is
    // 1.0 - tensorflow.
    private const float BnMomentum = (float)(1 - 0.9997);

    private readonly Sequential _layers;
    private readonly Sequential _classifier;

    /// <summary>Creates the model, like <c>MNASNet(alpha, num_classes=1000, dropout=0.2)</c>, initialized as torchvision does.</summary>
    /// <param name="alpha">The depth multiplier: scales every stage's channels (0.5, 0.75, 1.0, 1.3 in torchvision).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="dropout">The classifier's dropout probability.</param>
    /// <exception cref="ArgumentException"><paramref name="alpha"/> is not positive.</exception>
    public MNASNet(double alpha, int numClasses = 1000, float dropout = 0.2f)
    {
        if (!(alpha > 0.0))
        {
            throw new ArgumentException($"MNASNet: alpha should be greater than 0.0, got {alpha}.", nameof(alpha));
        }

        Alpha = alpha;
        NumClasses = numClasses;
        int[] depths = GetDepths(alpha);
        ILayer[] layers =
        [
            // First layer: regular conv.
            new Conv2d(3, depths[0], 3, padding: 1, stride: 2, bias: false),
            new BatchNorm2d(depths[0], momentum: BnMomentum),
            new ReLU(),

            // Depthwise separable, no skip.
            new Conv2d(depths[0], depths[0], 3, padding: 1, stride: 1, groups: depths[0], bias: false),
            new BatchNorm2d(depths[0], momentum: BnMomentum),
            new ReLU(),
            new Conv2d(depths[0], depths[1], 1, padding: 0, stride: 1, bias: false),
            new BatchNorm2d(depths[1], momentum: BnMomentum),

            // MNASNet blocks: stacks of inverted residuals.
            Stack(depths[1], depths[2], 3, 2, 3, 3, BnMomentum),
            Stack(depths[2], depths[3], 5, 2, 3, 3, BnMomentum),
            Stack(depths[3], depths[4], 5, 2, 6, 3, BnMomentum),
            Stack(depths[4], depths[5], 3, 1, 6, 2, BnMomentum),
            Stack(depths[5], depths[6], 5, 2, 6, 4, BnMomentum),
            Stack(depths[6], depths[7], 3, 1, 6, 1, BnMomentum),

            // Final mapping to classifier input.
            new Conv2d(depths[7], 1280, 1, padding: 0, stride: 1, bias: false),
            new BatchNorm2d(1280, momentum: BnMomentum),
            new ReLU(),
        ];
        _layers = Register("layers", new Sequential(layers));
        _classifier = Register("classifier", new Sequential(new Dropout(dropout), new Linear(1280, numClasses)));

        foreach ((_, ILayer m) in NamedModules())
        {
            switch (m)
            {
                case Conv2d conv:
                    MobileInit.KaimingNormalFanOut(conv.Weight.Value, Random.Shared);
                    conv.Bias?.Value.AsSpan().Clear();
                    break;
                case BatchNorm2d norm:
                    norm.Weight?.Value.AsSpan().Fill(1f);
                    norm.Bias?.Value.AsSpan().Clear();
                    break;
                case Linear linear:
                    MobileInit.KaimingUniformFanOut(linear.Weight.Value, Random.Shared, gain: 1.0); // nonlinearity="sigmoid"
                    linear.Bias?.Value.AsSpan().Clear();
                    break;
            }
        }
    }

    /// <summary>The depth multiplier.</summary>
    public double Alpha { get; }

    /// <summary>The classifier's outputs.</summary>
    public int NumClasses { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _layers.Forward(input);

        // Equivalent to global avgpool and removing H and W dimensions.
        x = x.Mean([2, 3]);
        return _classifier.Forward(x);
    }

    /// <summary>torchvision's <c>_stack</c>: a stack of inverted residuals; the first has no skip (the feature map size changes).</summary>
    private static Sequential Stack(int inCh, int outCh, int kernelSize, int stride, int expFactor, int repeats, float bnMomentum)
    {
        if (repeats < 1)
        {
            throw new ArgumentException($"MNASNet: repeats should be >= 1, got {repeats}.", nameof(repeats));
        }

        // First one has no skip, because feature map size changes.
        var first = new InvertedResidual(inCh, outCh, kernelSize, stride, expFactor, bnMomentum);
        var remaining = new List<ILayer>();
        for (int i = 1; i < repeats; i++)
        {
            remaining.Add(new InvertedResidual(outCh, outCh, kernelSize, 1, expFactor, bnMomentum));
        }

        return new Sequential([first, .. remaining]);
    }

    /// <summary>
    /// torchvision's <c>_round_to_multiple_of</c>: asymmetric rounding to make <paramref name="val"/> divisible by
    /// <paramref name="divisor"/>; rounds up unless the value is no more than 10% above the smaller multiple
    /// ((83, 8) → 80, but (84, 8) → 88).
    /// </summary>
    private static int RoundToMultipleOf(double val, int divisor, double roundUpBias = 0.9)
    {
        int newVal = Math.Max(divisor, (int)(val + (divisor / 2.0)) / divisor * divisor);
        return newVal >= roundUpBias * val ? newVal : newVal + divisor;
    }

    /// <summary>torchvision's <c>_get_depths</c>: scales the stages' depths as the reference MobileNet code, preferring to round up.</summary>
    private static int[] GetDepths(double alpha)
    {
        int[] depths = [32, 16, 24, 40, 80, 96, 192, 320];
        return [.. depths.Select(depth => RoundToMultipleOf(depth * alpha, 8))];
    }

    /// <summary>
    /// torchvision's <c>mnasnet._InvertedResidual</c>: 1×1 expansion, k×k depthwise convolution (both with BatchNorm and
    /// ReLU), linear 1×1 projection with BatchNorm, in a Sequential <c>layers</c>; the input is added when the stride
    /// is 1 and the channels agree. <c>[N, inCh, H, W] → [N, outCh, H / stride, W / stride]</c>.
    /// </summary>
    private sealed class InvertedResidual : Module
    {
        private readonly Sequential _layers;
        private readonly bool _applyResidual;

        public InvertedResidual(int inCh, int outCh, int kernelSize, int stride, int expansionFactor, float bnMomentum = 0.1f)
        {
            if (stride is not (1 or 2))
            {
                throw new ArgumentException($"MNASNet: stride should be 1 or 2, got {stride}.", nameof(stride));
            }

            if (kernelSize is not (3 or 5))
            {
                throw new ArgumentException($"MNASNet: kernel_size should be 3 or 5, got {kernelSize}.", nameof(kernelSize));
            }

            int midCh = inCh * expansionFactor;
            _applyResidual = inCh == outCh && stride == 1;
            _layers = Register("layers", new Sequential(
                // Pointwise
                new Conv2d(inCh, midCh, 1, bias: false),
                new BatchNorm2d(midCh, momentum: bnMomentum),
                new ReLU(),

                // Depthwise
                new Conv2d(midCh, midCh, kernelSize, padding: kernelSize / 2, stride: stride, groups: midCh, bias: false),
                new BatchNorm2d(midCh, momentum: bnMomentum),
                new ReLU(),

                // Linear pointwise. Note that there's no activation.
                new Conv2d(midCh, outCh, 1, bias: false),
                new BatchNorm2d(outCh, momentum: bnMomentum)));
        }

        /// <remarks>The class is torchvision's <c>_InvertedResidual</c>; PyTorch prints that name.</remarks>
        public override string Name => "_InvertedResidual";

        protected override Tensor ForwardCore(Tensor input) =>
            _applyResidual ? _layers.Forward(input) + input : _layers.Forward(input);
    }
}
