using LeNet.Layers;

namespace LeNet.Benchmarks;

/// <summary>
/// pytorch/examples' MNIST <c>Net</c> (mnist/main.py) in this library's layers, with its children's names
/// (<c>conv1.weight</c>, <c>fc1.bias</c>, …): <c>Conv2d(1,32,3) → ReLU → Conv2d(32,64,3) → ReLU →
/// MaxPool2d(2) → Dropout(0.25) → Flatten → Linear(9216,128) → ReLU → Dropout(0.5) → Linear(128,10)</c>.
/// The Dropouts are the identity in evaluation mode (the engine drops them); the final <c>log_softmax</c>
/// is left out (logits out, like LeNet's benchmarks). Input <c>[N, 1, 28, 28]</c>, output <c>[N, 10]</c>; 1,199,882 parameters, about
/// 12.0 M multiply-adds per image (conv2 alone 10.6 M).
/// </summary>
public static class ExamplesNet
{
    /// <summary>Multiply-adds of one image: conv1 194,688 + conv2 10,616,832 + fc1 1,179,648 + fc2 1,280.</summary>
    public const long MultiplyAddsPerImage = (32L * 26 * 26 * 9) + (64L * 24 * 24 * 32 * 9) + (9216L * 128) + (128L * 10);

    /// <summary>Builds the network with PyTorch's default initialisation drawn from one <c>Random(seed)</c>, in evaluation mode.</summary>
    public static Sequential Create(int seed = 0)
    {
        var random = new Random(seed);
        var net = new Sequential(
            ("conv1", new Conv2d(1, 32, 3, random: random)),
            ("relu1", new ReLU()),
            ("conv2", new Conv2d(32, 64, 3, random: random)),
            ("relu2", new ReLU()),
            ("pool", new MaxPool2d(2)),
            ("dropout1", new Dropout(0.25f)),
            ("flatten", new Flatten()),
            ("fc1", new Linear(9216, 128, random: random)),
            ("relu3", new ReLU()),
            ("dropout2", new Dropout(0.5f)),
            ("fc2", new Linear(128, 10, random: random)));
        net.Eval();
        return net;
    }
}
