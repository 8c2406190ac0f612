using System.Text.Json;
using LeNet.Cli;
using LeNet.Cli.Networks;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests.Reference;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary>The resnet recipe: <see cref="FashionResNet"/>'s names and shapes, its backward, one optimizer step, and a short run through <c>lenet train</c>.</summary>
public class ResNetRecipeTests
{
    /// <summary>
    /// The state-dict keys of the PyTorch reference (<c>Golden/torchnn/train_fashion_resnet_reference.py</c>):
    /// <c>list(FashionResNet(1).state_dict())</c>, printed by PyTorch 1.13.1.
    /// </summary>
    private static readonly string[] PyTorchKeys =
    [
        "stem.0.weight", "stem.0.bias", "stem.1.weight", "stem.1.bias", "stem.1.running_mean", "stem.1.running_var", "stem.1.num_batches_tracked",
        .. Block("stage1.0", shortcut: false), .. Block("stage2.0", shortcut: true), .. Block("stage3.0", shortcut: true),
        "fc.weight", "fc.bias",
    ];

    private static string[] Block(string prefix, bool shortcut) =>
    [
        .. new[] { "conv1", "conv2" }.Concat(shortcut ? ["conv3"] : []).SelectMany(c => new[] { $"{prefix}.{c}.weight", $"{prefix}.{c}.bias" }),
        .. new[] { "bn1", "bn2" }.SelectMany(b => new[] { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" }.Select(k => $"{prefix}.{b}.{k}")),
    ];

    [Fact]
    public void Network_HasThePyTorchReferencesKeysAndParameterCount()
    {
        Module net = TrainingRecipe.ResNet.CreateModel(seed: 0);

        net.StateDict().Keys.Should().Equal(PyTorchKeys);
        net.Parameters().Sum(p => (long)p.Length).Should().Be(308_362, "sum(p.numel() for p in net.parameters()) of the reference");
        net.StateDict()["stage2.0.conv3.weight"].Shape.ToArray().Should().Equal(64, 32, 1, 1);
        net.StateDict()["fc.weight"].Shape.ToArray().Should().Equal(10, 128);
    }

    [Fact]
    public void ForwardAndBackward_TrainingMode_GiveTheShapesAndAGradientForEveryParameter()
    {
        Module net = TrainingRecipe.ResNet.CreateModel(seed: 1);
        Tensor x = Arrays.Random(new Random(2), 4, 1, 28, 28);

        Tensor logits = net.Forward(x);
        net.ZeroGrad();
        Tensor dx = net.Backward(Arrays.Random(new Random(3), 4, 10));

        logits.Shape.ToArray().Should().Equal(4, 10);
        dx.Shape.ToArray().Should().Equal(4, 1, 28, 28);
        dx.ToArray().Should().Contain(v => v != 0);
        foreach ((string name, Parameter parameter) in net.NamedParameters())
        {
            parameter.Gradient.ToArray().Should().Contain(v => v != 0, "{0} takes part in the forward", name);
        }
    }

    [Fact]
    public void OneStepOfTheRecipesOptimizer_LowersTheLossOnATinyBatch()
    {
        Module net = TrainingRecipe.ResNet.CreateModel(seed: 4);
        Optimizer optimizer = TrainingRecipe.ResNet.CreateOptimizer(net, TrainingRecipe.ResNet.LearningRate);
        Tensor x = Arrays.Random(new Random(5), 8, 1, 28, 28);
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        var loss = new CrossEntropyLoss();

        LossResult before = loss.Compute(net.Forward(x), labels);
        optimizer.ZeroGrad();
        net.Backward(before.Gradient);
        optimizer.Step();
        LossResult after = loss.Compute(net.Forward(x), labels);

        optimizer.Should().BeOfType<Sgd>().Which.Should().BeEquivalentTo(new { Momentum = 0.9f, WeightDecay = 5e-4f, Nesterov = false });
        TrainingRecipe.ResNet.CreateSchedule(optimizer, 10).Should().BeOfType<CosineAnnealingLR>();
        after.Loss.Should().BeLessThan(before.Loss);
    }

    [Fact]
    public void Residual_ShapeChangeWithoutTheShortcutConvolution_Throws()
    {
        Action widen = () => _ = new Residual(32, 64);

        widen.Should().Throw<ArgumentException>().WithMessage("*Residual(32→64, stride 1) changes the shape*");
    }

    [Fact]
    public void TrainAndEvaluate_ResNetRecipe_RecordsTheNetworkAndLoadsItBack()
    {
        using var dir = new TempDirectory();

        (int code, string stdout, string stderr) = Lenet.Run(
            "train", "--recipe", "resnet", "--dataset", "fashion-mnist", "--data", DatasetRecipeTests.FashionSubset, "--epochs", "1", "--batch-size", "100", "--threads", "2", "--out", dir.Path);
        (int evalCode, string evaluation, string evalError) = Lenet.Run("evaluate", "--weights", dir.File("model.safetensors"), "--data", DatasetRecipeTests.FashionSubset);

        code.Should().Be(0, stderr);
        stdout.Should().Contain("Training resnet (a small ResNet").And.Contain("on 400 Fashion-MNIST images for 1 epoch");
        SafeTensorsFile weights = SafeTensors.Read(dir.File("model.safetensors"));
        weights.Metadata.Should().Contain("recipe", "resnet").And.Contain("model", "resnet");
        weights.Tensors.Keys.Should().BeEquivalentTo(PyTorchKeys);
        using (JsonDocument metrics = JsonDocument.Parse(File.ReadAllText(dir.File("metrics.json"))))
        {
            metrics.RootElement.GetProperty("recipe").GetString().Should().Be("resnet");
        }

        evalCode.Should().Be(0, evalError);
        evaluation.Should().Contain("of 200)").And.Contain("| 0 T-shirt/top");
    }
}
