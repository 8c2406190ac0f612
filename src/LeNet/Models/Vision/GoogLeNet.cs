using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>models.googlenet.GoogLeNet</c> (Szegedy et al. 2014, "Going deeper with convolutions", with
/// BatchNorm): a stem of <see cref="BasicConv2d"/>s and max pools, nine <see cref="Inception"/> blocks, global
/// average pooling, dropout and a linear classifier; two auxiliary classifiers (<c>aux1</c> after
/// <c>inception4a</c>, <c>aux2</c> after <c>inception4d</c>) run in training mode only.
/// <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// <para>torchvision's training-mode forward returns the tuple <c>(logits, aux_logits2, aux_logits1)</c>; here
/// <see cref="Layer.Forward"/> returns the logits, and a training-mode forward with <see cref="AuxLogits"/> leaves the
/// auxiliary classifiers' outputs in <see cref="LastAuxLogits1"/> and <see cref="LastAuxLogits2"/>. Train them as
/// torchvision's recipe does (<c>loss = ce(logits) + 0.3 · (ce(aux1) + ce(aux2))</c>) with
/// <c>model.Backward(g, [(model.LastAuxLogits1!, g1), (model.LastAuxLogits2!, g2)])</c>
/// (<see cref="Module.Backward(Tensor, IReadOnlyList{ValueTuple{Tensor, Tensor}})"/>); <see cref="Module.Backward(Tensor)"/> alone
/// sends no gradient through the auxiliary heads.</para>
/// <para>Defaults as torchvision's without weights: <c>aux_logits=True</c>, <c>transform_input=False</c>, and
/// <c>init_weights=None</c> meaning true (truncated-normal weights, std 0.01, for every convolution and linear
/// layer; BatchNorm weight 1, bias 0).</para>
/// </remarks>
public sealed class GoogLeNet : Module
{
    private readonly BasicConv2d _conv1;
    private readonly MaxPool2d _maxpool1;
    private readonly BasicConv2d _conv2;
    private readonly BasicConv2d _conv3;
    private readonly MaxPool2d _maxpool2;
    private readonly Inception _inception3a;
    private readonly Inception _inception3b;
    private readonly MaxPool2d _maxpool3;
    private readonly Inception _inception4a;
    private readonly Inception _inception4b;
    private readonly Inception _inception4c;
    private readonly Inception _inception4d;
    private readonly Inception _inception4e;
    private readonly MaxPool2d _maxpool4;
    private readonly Inception _inception5a;
    private readonly Inception _inception5b;
    private readonly GoogLeNetInceptionAux? _aux1;
    private readonly GoogLeNetInceptionAux? _aux2;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Dropout _dropout;
    private readonly Linear _fc;

    /// <summary>
    /// Creates the model, like <c>GoogLeNet(num_classes=1000, aux_logits=True, transform_input=False,
    /// init_weights=None, dropout=0.2, dropout_aux=0.7)</c> (torchvision's <c>blocks</c> argument is not offered).
    /// </summary>
    /// <param name="numClasses">The classifiers' outputs.</param>
    /// <param name="auxLogits">Whether to build the auxiliary classifiers <c>aux1</c> and <c>aux2</c> (their parameters are in the state dict only then).</param>
    /// <param name="transformInput">Whether to map inputs normalized with ImageNet's mean and std to the [−1, 1] scaling of the original weights.</param>
    /// <param name="initWeights">Whether to apply torchvision's initialisation; null means true (torchvision warns about the slow scipy path; here it is fast).</param>
    /// <param name="dropout">The probability of the Dropout before <c>fc</c>.</param>
    /// <param name="dropoutAux">The probability of the auxiliary classifiers' Dropout.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    public GoogLeNet(int numClasses = 1000, bool auxLogits = true, bool transformInput = false, bool? initWeights = null, float dropout = 0.2f, float dropoutAux = 0.7f, Random? random = null)
    {
        random ??= new Random();
        AuxLogits = auxLogits;
        TransformInput = transformInput;

        _conv1 = Register("conv1", new BasicConv2d(3, 64, kernelSize: 7, stride: 2, padding: 3));
        _maxpool1 = Register("maxpool1", new MaxPool2d(3, stride: 2, ceilMode: true));
        _conv2 = Register("conv2", new BasicConv2d(64, 64, kernelSize: 1));
        _conv3 = Register("conv3", new BasicConv2d(64, 192, kernelSize: 3, padding: 1));
        _maxpool2 = Register("maxpool2", new MaxPool2d(3, stride: 2, ceilMode: true));

        _inception3a = Register("inception3a", new Inception(192, 64, 96, 128, 16, 32, 32));
        _inception3b = Register("inception3b", new Inception(256, 128, 128, 192, 32, 96, 64));
        _maxpool3 = Register("maxpool3", new MaxPool2d(3, stride: 2, ceilMode: true));

        _inception4a = Register("inception4a", new Inception(480, 192, 96, 208, 16, 48, 64));
        _inception4b = Register("inception4b", new Inception(512, 160, 112, 224, 24, 64, 64));
        _inception4c = Register("inception4c", new Inception(512, 128, 128, 256, 24, 64, 64));
        _inception4d = Register("inception4d", new Inception(512, 112, 144, 288, 32, 64, 64));
        _inception4e = Register("inception4e", new Inception(528, 256, 160, 320, 32, 128, 128));
        _maxpool4 = Register("maxpool4", new MaxPool2d(2, stride: 2, ceilMode: true));

        _inception5a = Register("inception5a", new Inception(832, 256, 160, 320, 32, 128, 128));
        _inception5b = Register("inception5b", new Inception(832, 384, 192, 384, 48, 128, 128));

        if (auxLogits)
        {
            _aux1 = Register("aux1", new GoogLeNetInceptionAux(512, numClasses, dropout: dropoutAux));
            _aux2 = Register("aux2", new GoogLeNetInceptionAux(528, numClasses, dropout: dropoutAux));
        }

        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((1, 1)));
        _dropout = Register("dropout", new Dropout(p: dropout));
        _fc = Register("fc", new Linear(1024, numClasses));

        if (initWeights ?? true)
        {
            foreach ((_, ILayer m) in NamedModules())
            {
                if (m is Conv2d conv)
                {
                    ClassicInit.TruncatedNormal(conv.Weight.Value, mean: 0.0, std: 0.01, a: -2, b: 2, random);
                }
                else if (m is Linear linear)
                {
                    ClassicInit.TruncatedNormal(linear.Weight.Value, mean: 0.0, std: 0.01, a: -2, b: 2, random);
                }
                else if (m is BatchNorm2d bn)
                {
                    ClassicInit.Constant(bn.Weight!.Value, 1);
                    ClassicInit.Constant(bn.Bias!.Value, 0);
                }
            }
        }
    }

    /// <summary>Whether the auxiliary classifiers exist (torchvision's <c>aux_logits</c>).</summary>
    public bool AuxLogits { get; }

    /// <summary>Whether the forward first rescales the input channels (torchvision's <c>transform_input</c>).</summary>
    public bool TransformInput { get; }

    /// <summary>
    /// <c>aux1</c>'s logits <c>[N, numClasses]</c> from the last training-mode forward (torchvision's
    /// <c>aux_logits1</c>); null before one, or without <see cref="AuxLogits"/>. Evaluation-mode forwards leave it alone.
    /// </summary>
    public Tensor? LastAuxLogits1 { get; private set; }

    /// <summary>
    /// <c>aux2</c>'s logits <c>[N, numClasses]</c> from the last training-mode forward (torchvision's
    /// <c>aux_logits2</c>); null before one, or without <see cref="AuxLogits"/>. Evaluation-mode forwards leave it alone.
    /// </summary>
    public Tensor? LastAuxLogits2 { get; private set; }

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
    /// <c>[N, 3, 224, 224] → [N, 64, 112, 112] → [N, 64, 56, 56] → [N, 192, 28, 28] → [N, 480, 14, 14]
    /// → [N, 832, 7, 7] → [N, 1024, 1, 1] → [N, numClasses]</c> (at 224 × 224; any size from about 32 works in
    /// evaluation mode, aux heads included in training mode).
    /// </remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = TransformInputCore(input);
        // N x 3 x 224 x 224
        x = _conv1.Forward(x);
        // N x 64 x 112 x 112
        x = _maxpool1.Forward(x);
        // N x 64 x 56 x 56
        x = _conv2.Forward(x);
        // N x 64 x 56 x 56
        x = _conv3.Forward(x);
        // N x 192 x 56 x 56
        x = _maxpool2.Forward(x);

        // N x 192 x 28 x 28
        x = _inception3a.Forward(x);
        // N x 256 x 28 x 28
        x = _inception3b.Forward(x);
        // N x 480 x 28 x 28
        x = _maxpool3.Forward(x);
        // N x 480 x 14 x 14
        x = _inception4a.Forward(x);
        // N x 512 x 14 x 14
        Tensor? aux1 = null;
        if (_aux1 is not null && IsTraining)
        {
            aux1 = _aux1.Forward(x);
        }

        x = _inception4b.Forward(x);
        // N x 512 x 14 x 14
        x = _inception4c.Forward(x);
        // N x 512 x 14 x 14
        x = _inception4d.Forward(x);
        // N x 528 x 14 x 14
        Tensor? aux2 = null;
        if (_aux2 is not null && IsTraining)
        {
            aux2 = _aux2.Forward(x);
        }

        x = _inception4e.Forward(x);
        // N x 832 x 14 x 14
        x = _maxpool4.Forward(x);
        // N x 832 x 7 x 7
        x = _inception5a.Forward(x);
        // N x 832 x 7 x 7
        x = _inception5b.Forward(x);
        // N x 1024 x 7 x 7

        x = _avgpool.Forward(x);
        // N x 1024 x 1 x 1
        x = x.Flatten(1);
        // N x 1024
        x = _dropout.Forward(x);
        x = _fc.Forward(x);
        // N x 1000 (num_classes)
        if (IsTraining)
        {
            (LastAuxLogits1, LastAuxLogits2) = (aux1, aux2);
        }

        return x;
    }
}

/// <summary>
/// torchvision's <c>models.googlenet.Inception</c>: four branches concatenated along the channels — a 1×1
/// convolution; 1×1 then 3×3; 1×1 then another 3×3 (the paper's 5×5: torchvision's known bug, kept for its weights);
/// a 3×3 max pool then 1×1. <c>[N, inChannels, H, W] → [N, ch1x1 + ch3x3 + ch5x5 + poolProj, H, W]</c>.
/// </summary>
public sealed class Inception : Module
{
    private readonly BasicConv2d _branch1;
    private readonly Sequential _branch2;
    private readonly Sequential _branch3;
    private readonly Sequential _branch4;

    /// <summary>Creates the block, like <c>Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)</c>.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="ch1x1">Channels of the 1×1 branch.</param>
    /// <param name="ch3x3red">Channels of the 3×3 branch's 1×1 reduction.</param>
    /// <param name="ch3x3">Channels of the 3×3 branch.</param>
    /// <param name="ch5x5red">Channels of the "5×5" branch's 1×1 reduction.</param>
    /// <param name="ch5x5">Channels of the "5×5" branch (a 3×3 convolution, as in torchvision).</param>
    /// <param name="poolProj">Channels of the pool branch's 1×1 projection.</param>
    public Inception(int inChannels, int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj)
    {
        _branch1 = Register("branch1", new BasicConv2d(inChannels, ch1x1, kernelSize: 1));

        _branch2 = Register("branch2", new Sequential(
            new BasicConv2d(inChannels, ch3x3red, kernelSize: 1), new BasicConv2d(ch3x3red, ch3x3, kernelSize: 3, padding: 1)));

        _branch3 = Register("branch3", new Sequential(
            new BasicConv2d(inChannels, ch5x5red, kernelSize: 1),
            // Here, kernel_size=3 instead of kernel_size=5 is a known bug.
            // Please see https://github.com/pytorch/vision/issues/906 for details.
            new BasicConv2d(ch5x5red, ch5x5, kernelSize: 3, padding: 1)));

        _branch4 = Register("branch4", new Sequential(
            new MaxPool2d(kernelSize: 3, stride: 1, padding: 1, ceilMode: true),
            new BasicConv2d(inChannels, poolProj, kernelSize: 1)));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, ch1x1 + ch3x3 + ch5x5 + poolProj, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor branch1 = _branch1.Forward(input);
        Tensor branch2 = _branch2.Forward(input);
        Tensor branch3 = _branch3.Forward(input);
        Tensor branch4 = _branch4.Forward(input);

        Tensor[] outputs = [branch1, branch2, branch3, branch4];
        return Tensor.Cat(outputs, 1);
    }
}

/// <summary>
/// torchvision's <c>models.googlenet.InceptionAux</c> (renamed: Inception v3 has its own <see cref="InceptionAux"/>):
/// GoogLeNet's auxiliary classifier — adaptive average pool to 4×4, a 1×1 <see cref="BasicConv2d"/> to 128 channels,
/// <c>fc1</c> (2048 → 1024) with ReLU, dropout, <c>fc2</c> (1024 → classes). <c>[N, inChannels, H, W] → [N, numClasses]</c>.
/// </summary>
public sealed class GoogLeNetInceptionAux : Module
{
    private readonly BasicConv2d _conv;
    private readonly Linear _fc1;
    private readonly Linear _fc2;
    private readonly Dropout _dropout;

    /// <summary>Creates the head, like <c>InceptionAux(in_channels, num_classes, dropout=0.7)</c>.</summary>
    /// <param name="inChannels">Input channels (512 for <c>aux1</c>, 528 for <c>aux2</c>).</param>
    /// <param name="numClasses">The outputs.</param>
    /// <param name="dropout">The probability of the Dropout between <c>fc1</c> and <c>fc2</c>.</param>
    public GoogLeNetInceptionAux(int inChannels, int numClasses, float dropout = 0.7f)
    {
        _conv = Register("conv", new BasicConv2d(inChannels, 128, kernelSize: 1));

        _fc1 = Register("fc1", new Linear(2048, 1024));
        _fc2 = Register("fc2", new Linear(1024, numClasses));
        _dropout = Register("dropout", new Dropout(p: dropout));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, inChannels, H, W] → [N, inChannels, 4, 4] → [N, 128, 4, 4] → [N, 2048] → [N, 1024] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        // aux1: N x 512 x 14 x 14, aux2: N x 528 x 14 x 14
        Tensor x = F.AdaptiveAvgPool2d(input, (4, 4));
        // aux1: N x 512 x 4 x 4, aux2: N x 528 x 4 x 4
        x = _conv.Forward(x);
        // N x 128 x 4 x 4
        x = x.Flatten(1);
        // N x 2048
        x = F.Relu(_fc1.Forward(x));
        // N x 1024
        x = _dropout.Forward(x);
        // N x 1024
        x = _fc2.Forward(x);
        // N x 1000 (num_classes)

        return x;
    }
}
