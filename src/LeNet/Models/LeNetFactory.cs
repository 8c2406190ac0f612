using LeNet.Layers;

namespace LeNet.Models;

/// <summary>Builds LeNet-5 as the d2l.ai chapter defines it in PyTorch.</summary>
public static class LeNetFactory
{
    /// <summary>
    /// The d2l LeNet for 1×28×28 images and 10 classes, with PyTorch's default initialisation:
    /// <c>Conv2d(1,6,5,padding=2) → Sigmoid → AvgPool2d(2,2) → Conv2d(6,16,5) → Sigmoid → AvgPool2d(2,2)
    /// → Flatten → Linear(400,120) → Sigmoid → Linear(120,84) → Sigmoid → Linear(84,10)</c>.
    /// </summary>
    /// <param name="seed">Seeds the initial weights: the same seed gives the same network. (The values
    /// differ from PyTorch's for the same seed: the generators differ.)</param>
    /// <returns>A 12-layer <see cref="Sequential"/>: <c>input [N, 1, 28, 28] → logits [N, 10]</c>, 61,706 parameters.</returns>
    public static Sequential Create(int seed = 0) =>
        Build(seed, static () => new Sigmoid(), static () => new AvgPool2d(2, stride: 2));

    /// <summary>
    /// The "modern" LeNet: the same shapes and parameter names as <see cref="Create"/>, with
    /// <see cref="ReLU"/> instead of <see cref="Sigmoid"/> and <see cref="MaxPool2d"/> instead of
    /// <see cref="AvgPool2d"/>, and PyTorch's default initialisation.
    /// </summary>
    /// <param name="seed">Seeds the initial weights: the same seed gives the same network.</param>
    /// <returns>A 12-layer <see cref="Sequential"/>: <c>input [N, 1, 28, 28] → logits [N, 10]</c>, 61,706 parameters.</returns>
    public static Sequential CreateModern(int seed = 0) =>
        Build(seed, static () => new ReLU(), static () => new MaxPool2d(2, stride: 2));

    /// <summary>
    /// A LeNet with weights trained on MNIST by this project's own <c>lenet train</c>, embedded in the
    /// library (safetensors resources, F32), in evaluation mode and ready to share between threads.
    /// Input [N, 1, 28, 28] with pixels in [0, 1], white ink on black like MNIST (see
    /// <see cref="Data.MnistPreprocessor"/>); output [N, 10] logits. Each call returns a new model.
    /// </summary>
    /// <param name="variant">Which network; <see cref="LeNetVariant.Modern"/> (ReLU, MaxPool2d) by default.</param>
    /// <returns>The trained network.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An undefined variant.</exception>
    public static Sequential CreatePretrained(LeNetVariant variant = LeNetVariant.Modern)
    {
        // Every parameter is overwritten by the strict load below: skip drawing the initial values.
        Sequential model = Module.SkipInit(() => variant switch
        {
            LeNetVariant.Classic => Create(),
            LeNetVariant.Modern => CreateModern(),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, "LeNetFactory.CreatePretrained: unknown variant."),
        });
        model.LoadStateDict(PretrainedWeights.Read(variant));
        model.Eval();
        return model;
    }

    /// <summary>The <c>__metadata__</c> of a pretrained variant's weights: recipe, epochs, seed, library version, test accuracy.</summary>
    /// <param name="variant">Which network.</param>
    /// <returns>The metadata, as written by <c>lenet train</c>.</returns>
    public static IReadOnlyDictionary<string, string> PretrainedMetadata(LeNetVariant variant = LeNetVariant.Modern) =>
        PretrainedWeights.Read(variant).Metadata;

    /// <summary>
    /// d2l's BatchNorm LeNet (the batch-normalization chapter, concise version) for 1×28×28 images and 10
    /// classes, with PyTorch's default initialisation: <c>Conv2d(1,6,5) → BatchNorm2d(6) → Sigmoid →
    /// AvgPool2d(2,2) → Conv2d(6,16,5) → BatchNorm2d(16) → Sigmoid → AvgPool2d(2,2) → Flatten → Linear(256,120)
    /// → BatchNorm1d(120) → Sigmoid → Linear(120,84) → BatchNorm1d(84) → Sigmoid → Linear(84,10)</c>. Its state
    /// dict has PyTorch's keys, <c>0.weight</c> … <c>15.bias</c>, with each BatchNorm's <c>running_mean</c>,
    /// <c>running_var</c> and <c>num_batches_tracked</c>, so <c>net.state_dict()</c> of the same
    /// <c>nn.Sequential</c> in PyTorch loads into it.
    /// </summary>
    /// <param name="seed">Seeds the initial weights: the same seed gives the same network.</param>
    /// <returns>A 16-layer <see cref="Sequential"/>: <c>input [N, 1, 28, 28] → logits [N, 10]</c>, 44,878 parameters.</returns>
    public static Sequential CreateBatchNorm(int seed = 0)
    {
        var random = new Random(seed);
        return new Sequential(
            new Conv2d(1, 6, 5, random: random),
            new BatchNorm2d(6),
            new Sigmoid(),
            new AvgPool2d(2, stride: 2),
            new Conv2d(6, 16, 5, random: random),
            new BatchNorm2d(16),
            new Sigmoid(),
            new AvgPool2d(2, stride: 2),
            new Flatten(),
            new Linear(256, 120, random: random),
            new BatchNorm1d(120),
            new Sigmoid(),
            new Linear(120, 84, random: random),
            new BatchNorm1d(84),
            new Sigmoid(),
            new Linear(84, 10, random: random));
    }

    /// <summary>The LeNet skeleton; every parameterised layer draws from one <c>Random(seed)</c>, in order.</summary>
    private static Sequential Build(int seed, Func<ILayer> activation, Func<ILayer> pool)
    {
        var random = new Random(seed);
        return new Sequential(
            new Conv2d(1, 6, 5, padding: 2, random: random),
            activation(),
            pool(),
            new Conv2d(6, 16, 5, random: random),
            activation(),
            pool(),
            new Flatten(),
            new Linear(16 * 5 * 5, 120, random: random),
            activation(),
            new Linear(120, 84, random: random),
            activation(),
            new Linear(84, 10, random: random));
    }
}
