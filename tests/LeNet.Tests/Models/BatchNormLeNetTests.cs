using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.Models;

/// <summary>
/// <see cref="LeNetFactory.CreateBatchNorm"/> against d2l's BatchNorm LeNet in PyTorch 1.13.1
/// (Golden/torchnn/make_bn_lenet.py): its state dict, trained 5 SGD steps so the running statistics are
/// not their initial values, loads, and both modes give PyTorch's outputs.
/// </summary>
public class BatchNormLeNetTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Golden", "torchnn", name);

    [Fact]
    public void CreateBatchNorm_HasD2lsSixteenLayersAndPyTorchsKeysInOrder()
    {
        Sequential net = LeNetFactory.CreateBatchNorm();

        net.Select(layer => layer.Name).Should().Equal(
            "Conv2d", "BatchNorm2d", "Sigmoid", "AvgPool2d", "Conv2d", "BatchNorm2d", "Sigmoid", "AvgPool2d", "Flatten",
            "Linear", "BatchNorm1d", "Sigmoid", "Linear", "BatchNorm1d", "Sigmoid", "Linear");
        // PyTorch's net.state_dict() order, as make_bn_lenet.py saved it.
        net.StateDict().Keys.Should().Equal(SafeTensors.Read(Fixture("bn_lenet.safetensors")).Keys);
        // sum(p.numel() for p in net.parameters()) in PyTorch.
        net.Parameters().Sum(p => p.Length).Should().Be(44_878);
        net.Forward(new Tensor(3, 1, 28, 28)).Shape.ToArray().Should().Equal(3, 10);
    }

    [Fact]
    public void Load_PyTorchStateDict_MatchesPyTorchInEvaluationAndTrainingMode()
    {
        Sequential net = LeNetFactory.CreateBatchNorm(seed: 9);
        SafeTensorsFile io = SafeTensors.Read(Fixture("bn_lenet-io.safetensors"));

        net.Load(Fixture("bn_lenet.safetensors"));
        net.Eval();
        float[] evaluation = net.Forward(io["input"]).ToArray();
        net.Train();
        float[] training = net.Forward(io["input"]).ToArray();

        evaluation.Should().BeCloseTo(io["eval_output"].ToArray(), 1e-5, 1e-5, "evaluation mode normalizes with the running statistics");
        training.Should().BeCloseTo(io["train_output"].ToArray(), 1e-5, 1e-5, "training mode normalizes with the batch's statistics");
        evaluation.Zip(training).Max(pair => Math.Abs(pair.First - pair.Second)).Should().BeGreaterThan(1e-3f, "the two modes differ on this input");
        IReadOnlyDictionary<string, Tensor> state = net.StateDict();
        foreach (string key in io.Keys.Where(k => k.StartsWith("after.", StringComparison.Ordinal)))
        {
            state[key["after.".Length..]].ToArray().Should().BeCloseTo(io[key].ToArray(), 1e-6, 1e-5, $"{key}: the training-mode forward updates the running statistics as PyTorch's does");
        }
    }
}
