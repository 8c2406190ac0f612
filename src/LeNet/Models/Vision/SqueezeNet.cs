using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>models.squeezenet.Fire</c>: a 1×1 "squeeze" convolution to few channels, then 1×1 and 3×3
/// "expand" convolutions side by side, concatenated. <c>[N, inplanes, H, W] → [N, expand1x1 + expand3x3, H, W]</c>.
/// </summary>
public sealed class Fire : Module
{
    private readonly Conv2d _squeeze;
    private readonly ReLU _squeezeActivation;
    private readonly Conv2d _expand1x1;
    private readonly ReLU _expand1x1Activation;
    private readonly Conv2d _expand3x3;
    private readonly ReLU _expand3x3Activation;

    /// <summary>Creates the block, like <c>Fire(inplanes, squeeze_planes, expand1x1_planes, expand3x3_planes)</c>.</summary>
    /// <param name="inplanes">Input channels.</param>
    /// <param name="squeezePlanes">Channels after the squeeze convolution.</param>
    /// <param name="expand1x1Planes">Output channels of the 1×1 expand convolution.</param>
    /// <param name="expand3x3Planes">Output channels of the 3×3 expand convolution (padding 1).</param>
    public Fire(int inplanes, int squeezePlanes, int expand1x1Planes, int expand3x3Planes)
    {
        Inplanes = inplanes;
        _squeeze = Register("squeeze", new Conv2d(inplanes, squeezePlanes, kernelSize: 1));
        _squeezeActivation = Register("squeeze_activation", new ReLU());
        _expand1x1 = Register("expand1x1", new Conv2d(squeezePlanes, expand1x1Planes, kernelSize: 1));
        _expand1x1Activation = Register("expand1x1_activation", new ReLU());
        _expand3x3 = Register("expand3x3", new Conv2d(squeezePlanes, expand3x3Planes, kernelSize: 3, padding: 1));
        _expand3x3Activation = Register("expand3x3_activation", new ReLU());
    }

    /// <summary>The input channels.</summary>
    public int Inplanes { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, inplanes, H, W] → [N, expand1x1 + expand3x3, H, W]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _squeezeActivation.Forward(_squeeze.Forward(input));
        return Tensor.Cat(
            [_expand1x1Activation.Forward(_expand1x1.Forward(x)), _expand3x3Activation.Forward(_expand3x3.Forward(x))], 1);
    }
}

/// <summary>
/// torchvision's <c>models.squeezenet.SqueezeNet</c> (Iandola et al. 2016): a stem convolution, <see cref="Fire"/>
/// blocks between ceil-mode max pools (<c>features</c>), then dropout, a 1×1 convolution to the classes, ReLU and a
/// global average pool (<c>classifier</c>). Version <c>"1_0"</c> is the paper's; <c>"1_1"</c> (from the SqueezeNet
/// repository) needs 2.4× less computation. <c>[N, 3, H, W] → [N, numClasses]</c>.
/// </summary>
/// <remarks>
/// torchvision's initialisation: Kaiming-uniform convolution weights (gain √2, fan in), the final convolution's
/// N(0, 0.01²), zero biases. The logits come out of a ReLU, so they are never negative.
/// </remarks>
public sealed class SqueezeNet : Module
{
    private readonly Sequential _features;
    private readonly Sequential _classifier;

    /// <summary>Creates the model, like <c>SqueezeNet(version="1_0", num_classes=1000, dropout=0.5)</c>.</summary>
    /// <param name="version"><c>"1_0"</c> or <c>"1_1"</c>.</param>
    /// <param name="numClasses">The final convolution's output channels.</param>
    /// <param name="dropout">The probability of the classifier's Dropout.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    /// <exception cref="ArgumentException">The version is neither <c>"1_0"</c> nor <c>"1_1"</c>.</exception>
    public SqueezeNet(string version = "1_0", int numClasses = 1000, float dropout = 0.5f, Random? random = null)
    {
        random ??= new Random();
        NumClasses = numClasses;
        if (version == "1_0")
        {
            _features = Register("features", new Sequential(
                new Conv2d(3, 96, kernelSize: 7, stride: 2),
                new ReLU(),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(96, 16, 64, 64),
                new Fire(128, 16, 64, 64),
                new Fire(128, 32, 128, 128),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(256, 32, 128, 128),
                new Fire(256, 48, 192, 192),
                new Fire(384, 48, 192, 192),
                new Fire(384, 64, 256, 256),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(512, 64, 256, 256)));
        }
        else if (version == "1_1")
        {
            _features = Register("features", new Sequential(
                new Conv2d(3, 64, kernelSize: 3, stride: 2),
                new ReLU(),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(64, 16, 64, 64),
                new Fire(128, 16, 64, 64),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(128, 32, 128, 128),
                new Fire(256, 32, 128, 128),
                new MaxPool2d(kernelSize: 3, stride: 2, ceilMode: true),
                new Fire(256, 48, 192, 192),
                new Fire(384, 48, 192, 192),
                new Fire(384, 64, 256, 256),
                new Fire(512, 64, 256, 256)));
        }
        else
        {
            throw new ArgumentException($"SqueezeNet: unsupported version '{version}': \"1_0\" or \"1_1\" expected.", nameof(version));
        }

        // Final convolution is initialized differently from the rest
        var finalConv = new Conv2d(512, NumClasses, kernelSize: 1);
        _classifier = Register("classifier", new Sequential(
            new Dropout(p: dropout), finalConv, new ReLU(), new AdaptiveAvgPool2d((1, 1))));

        foreach ((_, ILayer m) in NamedModules())
        {
            if (m is Conv2d conv)
            {
                if (ReferenceEquals(conv, finalConv))
                {
                    ClassicInit.Normal(conv.Weight.Value, 0, 0.01, random);
                }
                else
                {
                    ClassicInit.KaimingUniform(conv.Weight.Value, random);
                }

                if (conv.Bias is not null)
                {
                    ClassicInit.Constant(conv.Bias.Value, 0);
                }
            }
        }
    }

    /// <summary>The number of classes.</summary>
    public int NumClasses { get; }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, 512, h, w] → [N, numClasses, 1, 1] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);
        x = _classifier.Forward(x);
        return x.Flatten(1);
    }
}
