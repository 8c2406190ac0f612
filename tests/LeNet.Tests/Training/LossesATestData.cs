using LeNet.Tests.Layers;

namespace LeNet.Tests.Training;

/// <summary>PyTorch's loss cases in layers_a.safetensors: input, target, loss [1], gradient of the loss.</summary>
public static class LossesATestData
{
    public static (Tensor Input, Tensor Target, float Loss, Tensor Gradient) Case(string name) =>
        (TorchLayersA.Fixture[name + ".input"], TorchLayersA.Fixture[name + ".target"], TorchLayersA.Fixture[name + ".loss"].AsSpan()[0], TorchLayersA.Fixture[name + ".grad_input"]);
}
