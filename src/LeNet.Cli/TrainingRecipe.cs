using LeNet.Layers;
using LeNet.Training;

namespace LeNet.Cli;

/// <summary>The training recipes, each with its network, initialisation, optimizer and batch size.</summary>
internal sealed record TrainingRecipe(string Name, string ModelName, float LearningRate, int BatchSize, string Description)
{
    /// <summary>The d2l chapter: sigmoid LeNet, Xavier-uniform weights and zero biases, SGD lr 0.9, batch 256.</summary>
    public static readonly TrainingRecipe D2l = new("d2l", "lenet", 0.9f, 256, "sigmoid LeNet, Xavier-uniform init, SGD lr 0.9");

    /// <summary>ReLU and max pooling, torch's default init, Adam lr 1e-3, batch 128.</summary>
    public static readonly TrainingRecipe Modern = new("modern", "modern", 1e-3f, 128, "ReLU/MaxPool LeNet, torch default init, Adam lr 1e-3");

    /// <summary>The seed's sigmoid/average-pool LeNet trained like <see cref="Modern"/>: torch's default init, Adam lr 1e-3, batch 128.</summary>
    public static readonly TrainingRecipe Classic = new("classic", "lenet", 1e-3f, 128, "sigmoid LeNet, torch default init, Adam lr 1e-3");

    /// <summary>The recipe names <c>--recipe</c> accepts.</summary>
    public static readonly string[] Names = ["modern", "d2l", "classic"];

    public static TrainingRecipe Named(string name) => name switch
    {
        "d2l" => D2l,
        "classic" => Classic,
        _ => Modern,
    };

    public Sequential CreateModel(int seed)
    {
        Sequential model = CommonOptions.Create(ModelName, seed);
        if (this == D2l)
        {
            Init.XavierUniformWeightsZeroBiases(model, new Random(seed));
        }

        return model;
    }

    public Optimizer CreateOptimizer(Sequential model, float learningRate) =>
        this == D2l ? new Sgd(model.Parameters(), learningRate) : new Adam(model.Parameters(), learningRate);
}
