using LeNet.Cli.Networks;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Training;

namespace LeNet.Cli;

/// <summary>The training recipes, each with its network, initialisation, optimizer, batch size, schedule and augmentation.</summary>
/// <param name="Name">The name <c>--recipe</c> takes.</param>
/// <param name="ModelName">The network (see <see cref="NetworkNames"/>).</param>
/// <param name="LearningRate">The (initial) learning rate.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="Description">One line for the help and the run's first line.</param>
/// <param name="Epochs">The default number of epochs.</param>
/// <param name="MaxShift">Random shifts of the training images by up to this many pixels (<see cref="RandomShiftBatchSource"/>); 0 for none.</param>
/// <param name="Cosine">Whether the learning rate follows a cosine from its initial value down to 0 over the run's epochs.</param>
internal sealed record TrainingRecipe(
    string Name, string ModelName, float LearningRate, int BatchSize, string Description, int Epochs = 10, int MaxShift = 0, bool Cosine = false)
{
    /// <summary>The d2l chapter: sigmoid LeNet, Xavier-uniform weights and zero biases, SGD lr 0.9, batch 256.</summary>
    public static readonly TrainingRecipe D2l = new("d2l", "lenet", 0.9f, 256, "sigmoid LeNet, Xavier-uniform init, SGD lr 0.9");

    /// <summary>ReLU and max pooling, torch's default init, Adam lr 1e-3, batch 128.</summary>
    public static readonly TrainingRecipe Modern = new("modern", "modern", 1e-3f, 128, "ReLU/MaxPool LeNet, torch default init, Adam lr 1e-3");

    /// <summary>The seed's sigmoid/average-pool LeNet trained like <see cref="Modern"/>: torch's default init, Adam lr 1e-3, batch 128.</summary>
    public static readonly TrainingRecipe Classic = new("classic", "lenet", 1e-3f, 128, "sigmoid LeNet, torch default init, Adam lr 1e-3");

    /// <summary>
    /// d2l's batch-normalization chapter: the BatchNorm LeNet (<see cref="LeNetFactory.CreateBatchNorm"/>),
    /// Xavier-uniform weights (d2l's <c>train_ch6</c> applies <c>xavier_uniform_</c> to every Conv2d and Linear
    /// weight and leaves the biases at torch's default), SGD lr 1.0, batch 256.
    /// </summary>
    public static readonly TrainingRecipe BatchNorm = new("bn", "bn", 1.0f, 256, "d2l's BatchNorm LeNet, Xavier-uniform weights, SGD lr 1.0");

    /// <summary>
    /// Beats LeNet-5's published 99.05 % on MNIST with a LeNet-sized network: <see cref="CreateWide"/> (94,358
    /// parameters), random shifts of up to 2 pixels, Adam from lr 3e-3 down a cosine to 0, batch 128, 8 epochs.
    /// </summary>
    public static readonly TrainingRecipe Wide = new(
        "wide", "wide", 3e-3f, 128, "LeNet with 16/32 channels (94k parameters), ReLU/MaxPool, random shifts of ±2 px, Adam lr 3e-3 with a cosine schedule",
        Epochs: 8, MaxShift: 2, Cosine: true);

    /// <summary>
    /// A small ResNet for Fashion-MNIST (<see cref="FashionResNet"/>: d2l's Residual blocks, 32/64/128 channels),
    /// SGD lr 0.1 with momentum 0.9 and weight decay 5e-4 down a cosine to 0, batch 128, BatchNorm in training mode.
    /// </summary>
    public static readonly TrainingRecipe ResNet = new(
        "resnet", "resnet", 0.1f, 128, "a small ResNet (d2l's Residual blocks, 32/64/128 channels), SGD lr 0.1, momentum 0.9, weight decay 5e-4, cosine schedule",
        Epochs: 10, Cosine: true);

    /// <summary>Residual blocks in each of <see cref="FashionResNet"/>'s three stages, for the resnet network.</summary>
    public const int ResNetBlocksPerStage = 1;

    /// <summary>The recipe names <c>--recipe</c> accepts.</summary>
    public static readonly string[] Names = ["modern", "d2l", "classic", "bn", "wide", "resnet"];

    /// <summary>The networks <c>--model</c> accepts.</summary>
    public static readonly string[] NetworkNames = ["lenet", "modern", "bn", "wide", "resnet"];

    public static TrainingRecipe Named(string name) => name switch
    {
        "d2l" => D2l,
        "classic" => Classic,
        "bn" => BatchNorm,
        "wide" => Wide,
        "resnet" => ResNet,
        _ => Modern,
    };

    /// <summary>The network a recipe recorded in a weights file trains, or null for an unknown recipe.</summary>
    public static string? NetworkOfRecipe(string? recipe) => recipe switch
    {
        "modern" => "modern",
        "d2l" or "classic" => "lenet",
        "bn" => "bn",
        "wide" => "wide",
        "resnet" => "resnet",
        _ => null,
    };

    /// <summary>A network by name (see <see cref="NetworkNames"/>) with torch's default initialisation.</summary>
    public static Module CreateNetwork(string modelName, int seed = 0) => modelName switch
    {
        "modern" => LeNetFactory.CreateModern(seed),
        "bn" => LeNetFactory.CreateBatchNorm(seed),
        "wide" => CreateWide(seed),
        "resnet" => new FashionResNet(ResNetBlocksPerStage, seed: seed),
        _ => LeNetFactory.Create(seed),
    };

    /// <summary>
    /// LeNet's shape with more channels: <c>Conv2d(1,16,5,padding=2) → ReLU → MaxPool2d(2) → Conv2d(16,32,5) →
    /// ReLU → MaxPool2d(2) → Flatten → Linear(800,100) → ReLU → Linear(100,10)</c>, 94,358 parameters,
    /// torch's default initialisation. It trains through the fused step.
    /// </summary>
    public static Sequential CreateWide(int seed = 0)
    {
        var random = new Random(seed);
        return new Sequential(
            new Conv2d(1, 16, 5, padding: 2, random: random),
            new ReLU(),
            new MaxPool2d(2, stride: 2),
            new Conv2d(16, 32, 5, random: random),
            new ReLU(),
            new MaxPool2d(2, stride: 2),
            new Flatten(),
            new Linear(32 * 5 * 5, 100, random: random),
            new ReLU(),
            new Linear(100, 10, random: random));
    }

    public Module CreateModel(int seed)
    {
        Module model = CreateNetwork(ModelName, seed);
        if (this == D2l)
        {
            Init.XavierUniformWeightsZeroBiases(model, new Random(seed));
        }
        else if (this == BatchNorm)
        {
            // d2l's train_ch6: nn.init.xavier_uniform_ on Conv2d and Linear weights only.
            var random = new Random(seed);
            foreach ((_, ILayer layer) in model.NamedModules())
            {
                if (layer is Conv2d conv)
                {
                    Init.XavierUniform(conv.Weight.Value, random);
                }
                else if (layer is Linear linear)
                {
                    Init.XavierUniform(linear.Weight.Value, random);
                }
            }
        }

        return model;
    }

    public Optimizer CreateOptimizer(Module model, float learningRate) =>
        this == ResNet ? new Sgd(model.Parameters(), learningRate, momentum: 0.9f, weightDecay: 5e-4f)
        : this == D2l || this == BatchNorm ? new Sgd(model.Parameters(), learningRate)
        : new Adam(model.Parameters(), learningRate);

    /// <summary>The learning-rate schedule over <paramref name="epochs"/> epochs, or null for a constant rate.</summary>
    public LearningRateSchedule? CreateSchedule(Optimizer optimizer, int epochs) =>
        Cosine ? new CosineAnnealingLR(optimizer, epochs) : null;

    /// <summary>The training images as the recipe feeds them: shifted at random when it augments.</summary>
    public IBatchSource TrainingData(IBatchSource train, int seed) =>
        MaxShift > 0 ? new RandomShiftBatchSource(train, MaxShift, seed) : train;
}
