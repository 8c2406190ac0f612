using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>ShuffleNetV2</c> (Ma et al., "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture
/// Design"): <c>conv1</c> (strided 3×3), <c>maxpool</c>, three stages of shuffle units <c>stage2</c>–<c>stage4</c>,
/// <c>conv5</c> (1×1), the spatial mean and <c>fc</c>. <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
public sealed class ShuffleNetV2 : Module
{
    private readonly Sequential _conv1;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _stage2;
    private readonly Sequential _stage3;
    private readonly Sequential _stage4;
    private readonly Sequential _conv5;
    private readonly Linear _fc;

    /// <summary>
    /// Creates the model, like <c>ShuffleNetV2(stages_repeats, stages_out_channels, num_classes=1000,
    /// inverted_residual=InvertedResidual)</c>, with PyTorch's default initialization (torchvision sets none).
    /// </summary>
    /// <param name="stagesRepeats">The units of stage2, stage3, stage4 (3 numbers).</param>
    /// <param name="stagesOutChannels">The output channels of conv1, the three stages and conv5 (5 numbers).</param>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="invertedResidual">Makes a unit from (inp, oup, stride); null for <see cref="InvertedResidual"/>.</param>
    /// <exception cref="ArgumentException">The lists do not have 3 and 5 numbers.</exception>
    public ShuffleNetV2(IReadOnlyList<int> stagesRepeats, IReadOnlyList<int> stagesOutChannels, int numClasses = 1000, Func<int, int, int, Module>? invertedResidual = null)
    {
        ArgumentNullException.ThrowIfNull(stagesRepeats);
        ArgumentNullException.ThrowIfNull(stagesOutChannels);
        invertedResidual ??= (inp, oup, stride) => new InvertedResidual(inp, oup, stride);
        if (stagesRepeats.Count != 3)
        {
            throw new ArgumentException($"ShuffleNetV2: expected stages_repeats as a list of 3 positive ints, got {stagesRepeats.Count}.", nameof(stagesRepeats));
        }

        if (stagesOutChannels.Count != 5)
        {
            throw new ArgumentException($"ShuffleNetV2: expected stages_out_channels as a list of 5 positive ints, got {stagesOutChannels.Count}.", nameof(stagesOutChannels));
        }

        StageOutChannels = [.. stagesOutChannels];

        int inputChannels = 3;
        int outputChannels = StageOutChannels[0];
        _conv1 = Register("conv1", new Sequential(
            new Conv2d(inputChannels, outputChannels, 3, 2, 1, bias: false),
            new BatchNorm2d(outputChannels),
            new ReLU()));
        inputChannels = outputChannels;

        _maxpool = Register("maxpool", new MaxPool2d(kernelSize: 3, stride: 2, padding: 1));

        var stages = new Sequential[3];
        string[] stageNames = ["stage2", "stage3", "stage4"];
        for (int s = 0; s < 3; s++)
        {
            (string name, int repeats, outputChannels) = (stageNames[s], stagesRepeats[s], StageOutChannels[s + 1]);
            var seq = new List<ILayer> { invertedResidual(inputChannels, outputChannels, 2) };
            for (int i = 0; i < repeats - 1; i++)
            {
                seq.Add(invertedResidual(outputChannels, outputChannels, 1));
            }

            stages[s] = Register(name, new Sequential([.. seq]));
            inputChannels = outputChannels;
        }

        (_stage2, _stage3, _stage4) = (stages[0], stages[1], stages[2]);

        outputChannels = StageOutChannels[^1];
        _conv5 = Register("conv5", new Sequential(
            new Conv2d(inputChannels, outputChannels, 1, 1, 0, bias: false),
            new BatchNorm2d(outputChannels),
            new ReLU()));

        _fc = Register("fc", new Linear(outputChannels, numClasses));
    }

    /// <summary>The output channels of conv1, the three stages and conv5.</summary>
    public IReadOnlyList<int> StageOutChannels { get; }

    /// <summary>
    /// torchvision's <c>channel_shuffle(x, groups)</c>: interleaves the channels of <paramref name="groups"/> groups —
    /// <c>[N, C, H, W]</c> viewed as <c>[N, groups, C / groups, H, W]</c>, dimensions 1 and 2 swapped, viewed back.
    /// </summary>
    /// <param name="x">The input, <c>[N, C, H, W]</c> with C divisible by <paramref name="groups"/>.</param>
    /// <param name="groups">The number of groups.</param>
    /// <returns><c>[N, C, H, W]</c>: channel g · (C / groups) + j moved to j · groups + g.</returns>
    public static Tensor ChannelShuffle(Tensor x, int groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        (int batchsize, int numChannels, int height, int width) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        int channelsPerGroup = numChannels / groups;

        // reshape
        x = x.Reshape(batchsize, groups, channelsPerGroup, height, width);

        x = x.Transpose(1, 2);

        // flatten
        return x.Reshape(batchsize, -1, height, width);
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _conv1.Forward(input);
        x = _maxpool.Forward(x);
        x = _stage2.Forward(x);
        x = _stage3.Forward(x);
        x = _stage4.Forward(x);
        x = _conv5.Forward(x);
        x = x.Mean([2, 3]); // globalpool
        return _fc.Forward(x);
    }

    /// <summary>
    /// torchvision's <c>shufflenetv2.InvertedResidual</c>, the ShuffleNet V2 unit. Stride 1: the channels are split in
    /// two halves, the second goes through <c>branch2</c> (1×1, depthwise 3×3, 1×1 with BatchNorms and ReLUs) and is
    /// concatenated to the first. Stride 2: <c>branch1</c> (depthwise 3×3, 1×1) and <c>branch2</c> both see the whole
    /// input. Then <see cref="ChannelShuffle"/> with 2 groups. <c>[N, inp, H, W] → [N, oup, H / stride, W / stride]</c>.
    /// </summary>
    public sealed class InvertedResidual : Module
    {
        private readonly Sequential _branch1;
        private readonly Sequential _branch2;

        /// <summary>Creates the unit, like <c>InvertedResidual(inp, oup, stride)</c>.</summary>
        /// <param name="inp">Input channels.</param>
        /// <param name="oup">Output channels (even).</param>
        /// <param name="stride">1 to 3; with 1, <paramref name="inp"/> must equal <paramref name="oup"/>.</param>
        /// <exception cref="ArgumentException">An illegal stride or channel combination.</exception>
        public InvertedResidual(int inp, int oup, int stride)
        {
            if (stride is < 1 or > 3)
            {
                throw new ArgumentException($"InvertedResidual: illegal stride value {stride}.", nameof(stride));
            }

            Stride = stride;

            int branchFeatures = oup / 2;
            if (Stride == 1 && inp != branchFeatures << 1)
            {
                throw new ArgumentException($"InvertedResidual: invalid combination of stride {stride}, inp {inp} and oup {oup} values. If stride == 1 then inp should be equal to oup // 2 << 1.", nameof(inp));
            }

            if (Stride > 1)
            {
                _branch1 = Register("branch1", new Sequential(
                    DepthwiseConv(inp, inp, kernelSize: 3, stride: Stride, padding: 1),
                    new BatchNorm2d(inp),
                    new Conv2d(inp, branchFeatures, kernelSize: 1, stride: 1, padding: 0, bias: false),
                    new BatchNorm2d(branchFeatures),
                    new ReLU()));
            }
            else
            {
                _branch1 = Register("branch1", new Sequential());
            }

            _branch2 = Register("branch2", new Sequential(
                new Conv2d(
                    Stride > 1 ? inp : branchFeatures,
                    branchFeatures,
                    kernelSize: 1,
                    stride: 1,
                    padding: 0,
                    bias: false),
                new BatchNorm2d(branchFeatures),
                new ReLU(),
                DepthwiseConv(branchFeatures, branchFeatures, kernelSize: 3, stride: Stride, padding: 1),
                new BatchNorm2d(branchFeatures),
                new Conv2d(branchFeatures, branchFeatures, kernelSize: 1, stride: 1, padding: 0, bias: false),
                new BatchNorm2d(branchFeatures),
                new ReLU()));
        }

        /// <summary>The depthwise convolutions' stride.</summary>
        public int Stride { get; }

        /// <summary>torchvision's <c>depthwise_conv(i, o, kernel_size, stride=1, padding=0, bias=False)</c>: a Conv2d with <c>groups = i</c>.</summary>
        /// <param name="i">Input channels (and groups).</param>
        /// <param name="o">Output channels.</param>
        /// <param name="kernelSize">The square kernel's size.</param>
        /// <param name="stride">The stride.</param>
        /// <param name="padding">The padding.</param>
        /// <param name="bias">Whether the convolution has a bias.</param>
        /// <returns>The convolution.</returns>
        public static Conv2d DepthwiseConv(int i, int o, int kernelSize, int stride = 1, int padding = 0, bool bias = false) =>
            new(i, o, kernelSize, stride, padding, bias: bias, groups: i);

        /// <inheritdoc/>
        /// <remarks><c>[N, inp, H, W] → [N, oup, H / stride, W / stride]</c>.</remarks>
        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor output;
            if (Stride == 1)
            {
                Tensor[] halves = input.Chunk(2, dim: 1);
                output = Tensor.Cat([halves[0], _branch2.Forward(halves[1])], dim: 1);
            }
            else
            {
                output = Tensor.Cat([_branch1.Forward(input), _branch2.Forward(input)], dim: 1);
            }

            output = ChannelShuffle(output, 2);

            return output;
        }
    }
}
