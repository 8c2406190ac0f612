using LeNet.Layers;

namespace LeNet.Models.Vision;

/// <summary>
/// torchvision's <c>models.alexnet.AlexNet</c> (Krizhevsky et al. 2012, the one-GPU "One weird trick" variant):
/// five convolutions with max pools (<c>features</c>), an adaptive average pool to 6×6 (<c>avgpool</c>) and three
/// fully connected layers with dropout (<c>classifier</c>). <c>[N, 3, H, W] → [N, numClasses]</c>, H and W ≥ 63.
/// </summary>
/// <remarks>
/// The state-dict keys are torchvision's (<c>features.0.weight</c> … <c>classifier.6.bias</c>). torchvision applies
/// no initialisation of its own here: the layers keep PyTorch's default (U(−1/√fan_in, 1/√fan_in)).
/// </remarks>
public sealed class AlexNet : Module
{
    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <summary>Creates the model, like <c>AlexNet(num_classes=1000, dropout=0.5)</c>.</summary>
    /// <param name="numClasses">The classifier's outputs.</param>
    /// <param name="dropout">The probability of the classifier's two Dropout layers.</param>
    /// <param name="random">The source of the initial weights; a new unseeded <see cref="Random"/> when null.</param>
    public AlexNet(int numClasses = 1000, float dropout = 0.5f, Random? random = null)
    {
        random ??= new Random();
        _features = Register("features", new Sequential(
            new Conv2d(3, 64, kernelSize: 11, stride: 4, padding: 2, random: random),
            new ReLU(),
            new MaxPool2d(kernelSize: 3, stride: 2),
            new Conv2d(64, 192, kernelSize: 5, padding: 2, random: random),
            new ReLU(),
            new MaxPool2d(kernelSize: 3, stride: 2),
            new Conv2d(192, 384, kernelSize: 3, padding: 1, random: random),
            new ReLU(),
            new Conv2d(384, 256, kernelSize: 3, padding: 1, random: random),
            new ReLU(),
            new Conv2d(256, 256, kernelSize: 3, padding: 1, random: random),
            new ReLU(),
            new MaxPool2d(kernelSize: 3, stride: 2)));
        _avgpool = Register("avgpool", new AdaptiveAvgPool2d((6, 6)));
        _classifier = Register("classifier", new Sequential(
            new Dropout(p: dropout),
            new Linear(256 * 6 * 6, 4096, random: random),
            new ReLU(),
            new Dropout(p: dropout),
            new Linear(4096, 4096, random: random),
            new ReLU(),
            new Linear(4096, numClasses, random: random)));
    }

    /// <inheritdoc/>
    /// <remarks><c>[N, 3, H, W] → [N, 256, 6, 6] → [N, 9216] → [N, numClasses]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        Tensor x = _features.Forward(input);
        x = _avgpool.Forward(x);
        x = x.Flatten(1);
        x = _classifier.Forward(x);
        return x;
    }
}
