namespace LeNet.Cli;

/// <summary>The settings of one <c>lenet train</c> run, as written into metrics.json and the weights' metadata.</summary>
internal sealed record TrainingRun(TrainingRecipe Recipe, int Epochs, int BatchSize, float LearningRate, int Seed, int Threads, string DataDirectory, string Dataset = "mnist");
