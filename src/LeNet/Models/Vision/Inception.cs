using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>models.inception.Inception3</c> (Szegedy et al. 2015, "Rethinking the Inception Architecture"):
/// a stem of <see cref="BasicConv2d"/>s and max pools, three <see cref="InceptionA"/>, a grid reduction
/// (<see cref="InceptionB"/>), four <see cref="InceptionC"/> with factorized 7×7 convolutions, another reduction
/// (<see cref="InceptionD"/>), two <see cref="InceptionE"/>, global average pooling, dropout and a linear
/// classifier; the auxiliary classifier <c>AuxLogits</c> (after <c>Mixed_6e</c>) runs in training mode only.
/// <c>[N, 3, H, W] → [N, numClasses]</c>, H and W ≥ 75 (the auxiliary classifier, in training mode, needs ≥ 299).
/// </summary>
/// <remarks>
/// <para>torchvision's training-mode forward returns the tuple <c>(logits, aux_logits)</c>; here
/// <see cref="Layer.Forward"/> returns the logits and a training-mode forward with <see cref="AuxLogits"/> leaves the
/// auxiliary classifier's output in <see cref="LastAuxLogits"/>. Train it as torchvision's recipe does
/// (<c>loss = ce(logits) + 0.4 · ce(aux)</c>) with <c>model.Backward(g, [(model.LastAuxLogits!, gAux)])</c>
/// (<see cref="Module.Backward(Tensor, IReadOnlyList{ValueTuple{Tensor, Tensor}})"/>); <see cref="Module.Backward(Tensor)"/>
/// alone sends no gradient through <c>AuxLogits</c>.</para>
/// <para>Defaults as torchvision's without weights: <c>aux_logits=True</c>, <c>transform_input=False</c>, and
/// <c>init_weights=None</c> meaning true (truncated-normal weights with std 0.1 for every convolution and linear
/// layer, 0.001 for <c>AuxLogits.fc</c>; BatchNorm weight 1, bias 0).</para>
/// </remarks>
public sealed class Inception3 : Module
{
    private readonly BasicConv2d _conv2d1a3x3;
    private readonly BasicConv2d _conv2d2a3x3;
    private readonly BasicConv2d _conv2d2b3x3;
    private readonly MaxPool2d _maxpool1;
    private readonly BasicConv2d _conv2d3b1x1;
    private readonly BasicConv2d _conv2d4a3x3;
    private readonly MaxPool2d _maxpool2;
    private readonly InceptionA _mixed5b;
    private readonly InceptionA _mixed5c;
    private readonly InceptionA _mixed5d;
    private readonly InceptionB _mixed6a;
    private readonly InceptionC _mixed6b;
    private readonly InceptionC _mixed6c;
    private readonly InceptionC _mixed6d;
    private readonly InceptionC _mixed6e;
    private readonly InceptionAux? _auxLogits;
    private readonly InceptionD _mixed7a;
    private readonly InceptionE _mixed7b;
    private readonly InceptionE _mixed7c;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Dropout _dropout;
    private readonly Linear _fc;

    /// <summary>
    /// Creates the model, like <c>Inception3(num_classes=1000, aux_logits=True, transform_input=False,
    /// init_weights=None, dropout=0.5)</c> (torchvision's <c>inception_blocks</c> argument is not offered).
    /// </summary>
    /// <param name="numClasses">The classifiers' outputs.</param>
    /// <param name="auxLogits">Whether to build the auxiliary classifier <c>AuxLogits</c> (its parameters are in the state dict only then).</param>
    /// <param name="transformInput">Whether to map inputs normalized with ImageNet's mean and std to the [−1, 1] scaling of the original weights.</param>
    /// <param name="initWeights">Whether to apply torchvision's initialisation; null means true (torchvision warns about the slow scipy path; here it is fast).</param>
    /// <param name="dropout">The probability of the Dropout before <c>fc</c>.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    public Inception3(int numClasses = 1000, bool auxLogits = true, bool transformInput = false, bool? initWeights = null, float dropout = 0.5f, Random? random = null)
    {
        random ??= new Random();
        AuxLogits = auxLogits;
        TransformInput = transformInput;
        _conv2d1a3x3 = Register("Conv2d_1a_3x3", new BasicConv2d(3, 32, kernelSize: 3, stride: 2));
        _conv2d2a3x3 = Register("Conv2d_2a_3x3", new BasicConv2d(32, 32, kernelSize: 3));
        _conv2d2b3x3 = Register("Conv2d_2b_3x3", new BasicConv2d(32, 64, kernelSize: 3, padding: 1));
        _maxpool1 = Register("maxpool1", new MaxPool2d(kernelSize: 3, stride: 2));
        _conv2d3b1x1 = Register("Conv2d_3b_1x1", new BasicConv2d(64, 80, kernelSize: 1));
        _conv2d4a3x3 = Register("Conv2d_4a_3x3", new BasicConv2d(80, 192, kernelSize: 3));
        _maxpool2 = Register("maxpool2", new MaxPool2d(kernelSize: 3, stride: 2));
        _mixed5b = Register("Mixed_5b", new InceptionA(192, poolFeatures: 32));
        _mixed5c = Register("Mixed_5c", new InceptionA(256, poolFeatures: 64));
        _mixed5d = Register("Mixed_5d", new InceptionA(288, poolFeatures: 64));
        _mixed6a = Register("Mixed_6a", new InceptionB(288));
        _mixed6b = Register("Mixed_6b", new InceptionC(768, channels7x7: 128));
        _mixed6c = Register("Mixed_6c", new InceptionC(768, channels7x7: 160));
        _mixed6d = Register("Mixed_6d", new InceptionC(768, channels7x7: 160));
        _mixed6e = Register("Mixed_6e", new InceptionC(768, channels7x7: 192));
        if (auxLogits)
        {
            _auxLogits = Register("AuxLogits", new InceptionAux(768, numClasses));
        }

        _mixed7a = Register("Mixed_7a", new InceptionD(768));
        _mixed7b = Register("Mixed_7b", new InceptionE(1280));
        _mixed7c = Register("Mixed_7c", new InceptionE(2048));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((1, 1)));
        _dropout = Register("dropout", new Dropout(p: dropout));
        _fc = Register("fc", new Linear(2048, numClasses));
        if (initWeights ?? true)
        {
            foreach ((_, ILayer m) in NamedModules())
            {
                if (m is Conv2d or Linear)
                {
                    // torchvision reads a `stddev` attribute set on two modules: only AuxLogits.fc (0.001) is a
                    // Linear; AuxLogits.conv1's 0.01 sits on the BasicConv2d, so its Conv2d gets the default 0.1.
                    double stddev = ReferenceEquals(m, _auxLogits?.Fc) ? 0.001 : 0.1;
                    Tensor weight = m is Conv2d conv ? conv.Weight.Value : ((Linear)m).Weight.Value;
                    ClassicInit.TruncatedNormal(weight, mean: 0.0, std: stddev, a: -2, b: 2, random);
                }
                else if (m is BatchNorm2d bn)
                {
                    ClassicInit.Constant(bn.Weight!.Value, 1);
                    ClassicInit.Constant(bn.Bias!.Value, 0);
                }
            }
        }
    }

    /// <summary>Whether the auxiliary classifier exists (torchvision's <c>aux_logits</c>).</summary>
    public bool AuxLogits { get; }

    /// <summary>Whether the forward first rescales the input channels (torchvision's <c>transform_input</c>).</summary>
    public bool TransformInput { get; }

    /// <summary>
    /// <c>AuxLogits</c>' output <c>[N, numClasses]</c> from the last training-mode forward (torchvision's
    /// <c>aux_logits</c>); null before one, or without <see cref="AuxLogits"/>. Evaluation-mode forwards leave it alone.
    /// </summary>
    public Tensor? LastAuxLogits { get; private set; }

    private Tensor TransformInputCore(Tensor x)
    {
        if (TransformInput)
        {
            Tensor xCh0 = (x.Narrow(1, 0, 1) * (float)(0.229 / 0.5)) + (float)((0.485 - 0.5) / 0.5);
            Tensor xCh1 = (x.Narrow(1, 1, 1) * (float)(0.224 / 0.5)) + (float)((0.456 - 0.5) / 0.5);
            Tensor xCh2 = (x.Narrow(1, 2, 1) * (float)(0.225 / 0.5)) + (float)((0.406 - 0.5) / 0.5);
            x = Tensor.Cat([xCh0, xCh1, xCh2], 1);
        }

        return x;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>[N, 3, 299, 299] → [N, 192, 35, 35] → [N, 288, 35, 35] → [N, 768, 17, 17] → [N, 2048, 8, 8]
    /// → [N, 2048, 1, 1] → [N, numClasses]</c> (at 299 × 299).
    /// </remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = TransformInputCore(input);
        // N x 3 x 299 x 299
        x = _conv2d1a3x3.Forward(x);
        // N x 32 x 149 x 149
        x = _conv2d2a3x3.Forward(x);
        // N x 32 x 147 x 147
        x = _conv2d2b3x3.Forward(x);
        // N x 64 x 147 x 147
        x = _maxpool1.Forward(x);
        // N x 64 x 73 x 73
        x = _conv2d3b1x1.Forward(x);
        // N x 80 x 73 x 73
        x = _conv2d4a3x3.Forward(x);
        // N x 192 x 71 x 71
        x = _maxpool2.Forward(x);
        // N x 192 x 35 x 35
        x = _mixed5b.Forward(x);
        // N x 256 x 35 x 35
        x = _mixed5c.Forward(x);
        // N x 288 x 35 x 35
        x = _mixed5d.Forward(x);
        // N x 288 x 35 x 35
        x = _mixed6a.Forward(x);
        // N x 768 x 17 x 17
        x = _mixed6b.Forward(x);
        // N x 768 x 17 x 17
        x = _mixed6c.Forward(x);
        // N x 768 x 17 x 17
        x = _mixed6d.Forward(x);
        // N x 768 x 17 x 17
        x = _mixed6e.Forward(x);
        // N x 768 x 17 x 17
        Tensor? aux = null;
        if (_auxLogits is not null && IsTraining)
        {
            aux = _auxLogits.Forward(x);
        }

        // N x 768 x 17 x 17
        x = _mixed7a.Forward(x);
        // N x 1280 x 8 x 8
        x = _mixed7b.Forward(x);
        // N x 2048 x 8 x 8
        x = _mixed7c.Forward(x);
        // N x 2048 x 8 x 8
        // Adaptive average pooling
        x = _avgpool.Forward(x);
        // N x 2048 x 1 x 1
        x = _dropout.Forward(x);
        // N x 2048 x 1 x 1
        x = x.Flatten(1);
        // N x 2048
        x = _fc.Forward(x);
        // N x 1000 (num_classes)
        if (IsTraining)
        {
            LastAuxLogits = aux;
        }

        return x;
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionA</c> (the 35×35 block, Figure 5 of the paper): a 1×1 branch, a 1×1 → 5×5
/// branch, a 1×1 → 3×3 → 3×3 branch and a 3×3 average pool → 1×1 branch, concatenated.
/// <c>[N, inChannels, H, W] → [N, 224 + poolFeatures, H, W]</c>.
/// </summary>
public sealed class InceptionA : Module
{
    private readonly BasicConv2d _branch1x1;
    private readonly BasicConv2d _branch5x5_1;
    private readonly BasicConv2d _branch5x5_2;
    private readonly BasicConv2d _branch3x3dbl_1;
    private readonly BasicConv2d _branch3x3dbl_2;
    private readonly BasicConv2d _branch3x3dbl_3;
    private readonly BasicConv2d _branchPool;

    /// <summary>Creates the block, like <c>InceptionA(in_channels, pool_features)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="poolFeatures">Channels of the pool branch.</param>
    public InceptionA(int inChannels, int poolFeatures)
    {
        _branch1x1 = Register("branch1x1", new BasicConv2d(inChannels, 64, kernelSize: 1));

        _branch5x5_1 = Register("branch5x5_1", new BasicConv2d(inChannels, 48, kernelSize: 1));
        _branch5x5_2 = Register("branch5x5_2", new BasicConv2d(48, 64, kernelSize: 5, padding: 2));

        _branch3x3dbl_1 = Register("branch3x3dbl_1", new BasicConv2d(inChannels, 64, kernelSize: 1));
        _branch3x3dbl_2 = Register("branch3x3dbl_2", new BasicConv2d(64, 96, kernelSize: 3, padding: 1));
        _branch3x3dbl_3 = Register("branch3x3dbl_3", new BasicConv2d(96, 96, kernelSize: 3, padding: 1));

        _branchPool = Register("branch_pool", new BasicConv2d(inChannels, poolFeatures, kernelSize: 1));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, 64 + 64 + 96 + poolFeatures, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch1x1 = _branch1x1.Forward(input);

        Tensor branch5x5 = _branch5x5_1.Forward(input);
        branch5x5 = _branch5x5_2.Forward(branch5x5);

        Tensor branch3x3dbl = _branch3x3dbl_1.Forward(input);
        branch3x3dbl = _branch3x3dbl_2.Forward(branch3x3dbl);
        branch3x3dbl = _branch3x3dbl_3.Forward(branch3x3dbl);

        Tensor branchPool = F.AvgPool2d(input, kernelSize: 3, stride: 1, padding: 1);
        branchPool = _branchPool.Forward(branchPool);

        Tensor[] outputs = [branch1x1, branch5x5, branch3x3dbl, branchPool];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionB</c> (the 35×35 → 17×17 grid reduction): a stride-2 3×3 branch, a
/// 1×1 → 3×3 → stride-2 3×3 branch and a stride-2 3×3 max pool, concatenated.
/// <c>[N, inChannels, H, W] → [N, 480 + inChannels, (H − 3) / 2 + 1, (W − 3) / 2 + 1]</c>.
/// </summary>
public sealed class InceptionB : Module
{
    private readonly BasicConv2d _branch3x3;
    private readonly BasicConv2d _branch3x3dbl_1;
    private readonly BasicConv2d _branch3x3dbl_2;
    private readonly BasicConv2d _branch3x3dbl_3;

    /// <summary>Creates the block, like <c>InceptionB(in_channels)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    public InceptionB(int inChannels)
    {
        _branch3x3 = Register("branch3x3", new BasicConv2d(inChannels, 384, kernelSize: 3, stride: 2));

        _branch3x3dbl_1 = Register("branch3x3dbl_1", new BasicConv2d(inChannels, 64, kernelSize: 1));
        _branch3x3dbl_2 = Register("branch3x3dbl_2", new BasicConv2d(64, 96, kernelSize: 3, padding: 1));
        _branch3x3dbl_3 = Register("branch3x3dbl_3", new BasicConv2d(96, 96, kernelSize: 3, stride: 2));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, 384 + 96 + inChannels, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch3x3 = _branch3x3.Forward(input);

        Tensor branch3x3dbl = _branch3x3dbl_1.Forward(input);
        branch3x3dbl = _branch3x3dbl_2.Forward(branch3x3dbl);
        branch3x3dbl = _branch3x3dbl_3.Forward(branch3x3dbl);

        Tensor branchPool = F.MaxPool2d(input, kernelSize: 3, stride: 2);

        Tensor[] outputs = [branch3x3, branch3x3dbl, branchPool];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionC</c> (the 17×17 block, Figure 6 of the paper, 7×7 convolutions
/// factorized into 1×7 and 7×1): a 1×1 branch, a 1×1 → 1×7 → 7×1 branch, a 1×1 → 7×1 → 1×7 → 7×1 → 1×7 branch and a
/// 3×3 average pool → 1×1 branch, concatenated. <c>[N, inChannels, H, W] → [N, 768, H, W]</c>.
/// </summary>
public sealed class InceptionC : Module
{
    private readonly BasicConv2d _branch1x1;
    private readonly BasicConv2d _branch7x7_1;
    private readonly BasicConv2d _branch7x7_2;
    private readonly BasicConv2d _branch7x7_3;
    private readonly BasicConv2d _branch7x7dbl_1;
    private readonly BasicConv2d _branch7x7dbl_2;
    private readonly BasicConv2d _branch7x7dbl_3;
    private readonly BasicConv2d _branch7x7dbl_4;
    private readonly BasicConv2d _branch7x7dbl_5;
    private readonly BasicConv2d _branchPool;

    /// <summary>Creates the block, like <c>InceptionC(in_channels, channels_7x7)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="channels7x7">Channels inside the factorized 7×7 branches (c7).</param>
    public InceptionC(int inChannels, int channels7x7)
    {
        _branch1x1 = Register("branch1x1", new BasicConv2d(inChannels, 192, kernelSize: 1));

        int c7 = channels7x7;
        _branch7x7_1 = Register("branch7x7_1", new BasicConv2d(inChannels, c7, kernelSize: 1));
        _branch7x7_2 = Register("branch7x7_2", new BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3)));
        _branch7x7_3 = Register("branch7x7_3", new BasicConv2d(c7, 192, kernelSize: (7, 1), padding: (3, 0)));

        _branch7x7dbl_1 = Register("branch7x7dbl_1", new BasicConv2d(inChannels, c7, kernelSize: 1));
        _branch7x7dbl_2 = Register("branch7x7dbl_2", new BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0)));
        _branch7x7dbl_3 = Register("branch7x7dbl_3", new BasicConv2d(c7, c7, kernelSize: (1, 7), padding: (0, 3)));
        _branch7x7dbl_4 = Register("branch7x7dbl_4", new BasicConv2d(c7, c7, kernelSize: (7, 1), padding: (3, 0)));
        _branch7x7dbl_5 = Register("branch7x7dbl_5", new BasicConv2d(c7, 192, kernelSize: (1, 7), padding: (0, 3)));

        _branchPool = Register("branch_pool", new BasicConv2d(inChannels, 192, kernelSize: 1));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, 192 · 4, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch1x1 = _branch1x1.Forward(input);

        Tensor branch7x7 = _branch7x7_1.Forward(input);
        branch7x7 = _branch7x7_2.Forward(branch7x7);
        branch7x7 = _branch7x7_3.Forward(branch7x7);

        Tensor branch7x7dbl = _branch7x7dbl_1.Forward(input);
        branch7x7dbl = _branch7x7dbl_2.Forward(branch7x7dbl);
        branch7x7dbl = _branch7x7dbl_3.Forward(branch7x7dbl);
        branch7x7dbl = _branch7x7dbl_4.Forward(branch7x7dbl);
        branch7x7dbl = _branch7x7dbl_5.Forward(branch7x7dbl);

        Tensor branchPool = F.AvgPool2d(input, kernelSize: 3, stride: 1, padding: 1);
        branchPool = _branchPool.Forward(branchPool);

        Tensor[] outputs = [branch1x1, branch7x7, branch7x7dbl, branchPool];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionD</c> (the 17×17 → 8×8 grid reduction): a 1×1 → stride-2 3×3 branch, a
/// 1×1 → 1×7 → 7×1 → stride-2 3×3 branch and a stride-2 3×3 max pool, concatenated.
/// <c>[N, inChannels, H, W] → [N, 512 + inChannels, (H − 3) / 2 + 1, (W − 3) / 2 + 1]</c>.
/// </summary>
public sealed class InceptionD : Module
{
    private readonly BasicConv2d _branch3x3_1;
    private readonly BasicConv2d _branch3x3_2;
    private readonly BasicConv2d _branch7x7x3_1;
    private readonly BasicConv2d _branch7x7x3_2;
    private readonly BasicConv2d _branch7x7x3_3;
    private readonly BasicConv2d _branch7x7x3_4;

    /// <summary>Creates the block, like <c>InceptionD(in_channels)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    public InceptionD(int inChannels)
    {
        _branch3x3_1 = Register("branch3x3_1", new BasicConv2d(inChannels, 192, kernelSize: 1));
        _branch3x3_2 = Register("branch3x3_2", new BasicConv2d(192, 320, kernelSize: 3, stride: 2));

        _branch7x7x3_1 = Register("branch7x7x3_1", new BasicConv2d(inChannels, 192, kernelSize: 1));
        _branch7x7x3_2 = Register("branch7x7x3_2", new BasicConv2d(192, 192, kernelSize: (1, 7), padding: (0, 3)));
        _branch7x7x3_3 = Register("branch7x7x3_3", new BasicConv2d(192, 192, kernelSize: (7, 1), padding: (3, 0)));
        _branch7x7x3_4 = Register("branch7x7x3_4", new BasicConv2d(192, 192, kernelSize: 3, stride: 2));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, 320 + 192 + inChannels, H', W']</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch3x3 = _branch3x3_1.Forward(input);
        branch3x3 = _branch3x3_2.Forward(branch3x3);

        Tensor branch7x7x3 = _branch7x7x3_1.Forward(input);
        branch7x7x3 = _branch7x7x3_2.Forward(branch7x7x3);
        branch7x7x3 = _branch7x7x3_3.Forward(branch7x7x3);
        branch7x7x3 = _branch7x7x3_4.Forward(branch7x7x3);

        Tensor branchPool = F.MaxPool2d(input, kernelSize: 3, stride: 2);
        Tensor[] outputs = [branch3x3, branch7x7x3, branchPool];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionE</c> (the 8×8 block, Figure 7 of the paper, with expanded filter
/// banks): a 1×1 branch, a 1×1 → (1×3 ‖ 3×1) branch, a 1×1 → 3×3 → (1×3 ‖ 3×1) branch and a 3×3 average pool → 1×1
/// branch, concatenated. <c>[N, inChannels, H, W] → [N, 2048, H, W]</c>.
/// </summary>
public sealed class InceptionE : Module
{
    private readonly BasicConv2d _branch1x1;
    private readonly BasicConv2d _branch3x3_1;
    private readonly BasicConv2d _branch3x3_2a;
    private readonly BasicConv2d _branch3x3_2b;
    private readonly BasicConv2d _branch3x3dbl_1;
    private readonly BasicConv2d _branch3x3dbl_2;
    private readonly BasicConv2d _branch3x3dbl_3a;
    private readonly BasicConv2d _branch3x3dbl_3b;
    private readonly BasicConv2d _branchPool;

    /// <summary>Creates the block, like <c>InceptionE(in_channels)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    public InceptionE(int inChannels)
    {
        _branch1x1 = Register("branch1x1", new BasicConv2d(inChannels, 320, kernelSize: 1));

        _branch3x3_1 = Register("branch3x3_1", new BasicConv2d(inChannels, 384, kernelSize: 1));
        _branch3x3_2a = Register("branch3x3_2a", new BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1)));
        _branch3x3_2b = Register("branch3x3_2b", new BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0)));

        _branch3x3dbl_1 = Register("branch3x3dbl_1", new BasicConv2d(inChannels, 448, kernelSize: 1));
        _branch3x3dbl_2 = Register("branch3x3dbl_2", new BasicConv2d(448, 384, kernelSize: 3, padding: 1));
        _branch3x3dbl_3a = Register("branch3x3dbl_3a", new BasicConv2d(384, 384, kernelSize: (1, 3), padding: (0, 1)));
        _branch3x3dbl_3b = Register("branch3x3dbl_3b", new BasicConv2d(384, 384, kernelSize: (3, 1), padding: (1, 0)));

        _branchPool = Register("branch_pool", new BasicConv2d(inChannels, 192, kernelSize: 1));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, 320 + 768 + 768 + 192, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch1x1 = _branch1x1.Forward(input);

        Tensor branch3x3 = _branch3x3_1.Forward(input);
        branch3x3 = Tensor.Cat(
        [
            _branch3x3_2a.Forward(branch3x3),
            _branch3x3_2b.Forward(branch3x3),
        ], 1);

        Tensor branch3x3dbl = _branch3x3dbl_1.Forward(input);
        branch3x3dbl = _branch3x3dbl_2.Forward(branch3x3dbl);
        branch3x3dbl = Tensor.Cat(
        [
            _branch3x3dbl_3a.Forward(branch3x3dbl),
            _branch3x3dbl_3b.Forward(branch3x3dbl),
        ], 1);

        Tensor branchPool = F.AvgPool2d(input, kernelSize: 3, stride: 1, padding: 1);
        branchPool = _branchPool.Forward(branchPool);

        Tensor[] outputs = [branch1x1, branch3x3, branch3x3dbl, branchPool];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.inception.InceptionAux</c>: Inception v3's auxiliary classifier — a 5×5 average pool with
/// stride 3, a 1×1 <see cref="BasicConv2d"/> to 128 channels (<c>conv0</c>), a 5×5 one to 768 (<c>conv1</c>), global
/// average pooling and <c>fc</c>. <c>[N, inChannels, 17, 17] → [N, numClasses]</c> (the input must be at least 17×17).
/// </summary>
public sealed class InceptionAux : Module
{
    private readonly BasicConv2d _conv0;
    private readonly BasicConv2d _conv1;
    private readonly Linear _fc;

    /// <summary>Creates the head, like <c>InceptionAux(in_channels, num_classes)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="numClasses">The outputs.</param>
    public InceptionAux(int inChannels, int numClasses)
    {
        _conv0 = Register("conv0", new BasicConv2d(inChannels, 128, kernelSize: 1));
        _conv1 = Register("conv1", new BasicConv2d(128, 768, kernelSize: 5));
        _fc = Register("fc", new Linear(768, numClasses));
    }

    /// <summary>The classifier, <c>fc</c> (initialised with std 0.001 by <see cref="Inception3"/>).</summary>
    internal Linear Fc => _fc;

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, 17, 17] → [N, inChannels, 5, 5] → [N, 128, 5, 5] → [N, 768, 1, 1] → [N, 768] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        // N x 768 x 17 x 17
        Tensor x = F.AvgPool2d(input, kernelSize: 5, stride: 3);
        // N x 768 x 5 x 5
        x = _conv0.Forward(x);
        // N x 128 x 5 x 5
        x = _conv1.Forward(x);
        // N x 768 x 1 x 1
        // Adaptive average pooling
        x = F.AdaptiveAvgPool2d(x, (1, 1));
        // N x 768 x 1 x 1
        x = x.Flatten(1);
        // N x 768
        x = _fc.Forward(x);
        // N x 1000
        return x;
    }
}
