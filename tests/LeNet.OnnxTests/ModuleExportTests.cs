using LeNet.Layers;
using Xunit.Abstractions;
using F = LeNet.Layers.Functional;

namespace LeNet.OnnxTests;

/// <summary>
/// Modules with their own forward exported from their recorded graph and run in ONNX Runtime: residual adds with
/// broadcasting, a squeeze-and-excitation product, chunks and a concatenation, a channel shuffle (reshapes around a
/// transpose, the batch kept symbolic), permutes, reductions, a parameter used in an operation, Functional layers.
/// </summary>
public class ModuleExportTests(ITestOutputHelper output)
{
    private sealed class Block : Module
    {
        private readonly Conv2d _conv1;
        private readonly BatchNorm2d _bn1;
        private readonly ReLU _relu;
        private readonly Sequential _shortcut;
        private readonly Conv2d _fc1;
        private readonly Conv2d _fc2;
        private readonly Parameter _gamma;

        public Block(int channels, int seed)
        {
            var random = new Random(seed);
            _conv1 = Register("conv1", new Conv2d(channels, channels, 3, padding: 1, bias: false, random: random));
            _bn1 = Register("bn1", new BatchNorm2d(channels));
            _relu = Register("relu", new ReLU());
            _shortcut = Register("shortcut", new Sequential());
            _fc1 = Register("fc1", new Conv2d(channels, 4, 1, random: random));
            _fc2 = Register("fc2", new Conv2d(4, channels, 1, random: random));
            _gamma = RegisterParameter("gamma", OrtRun.Values(random, [channels, 1, 1]));
            OrtRun.Values(random, [channels]).AsReadOnlySpan().CopyTo(_bn1.RunningMean!.AsSpan());
        }

        protected override Tensor ForwardCore(Tensor x)
        {
            Tensor y = _relu.Forward(_bn1.Forward(_conv1.Forward(x)));
            Tensor scale = F.Hardsigmoid(_fc2.Forward(F.Relu(_fc1.Forward(F.AdaptiveAvgPool2d(y, 1)))));
            y = (y * scale) + _shortcut.Forward(x);
            Tensor[] halves = y.Chunk(2, dim: 1);
            y = Tensor.Cat([halves[1], halves[0]], dim: 1);
            y = y.Reshape(y.Shape[0], 2, y.Shape[1] / 2, y.Shape[2], y.Shape[3]).Transpose(1, 2).Reshape(y.Shape.ToArray());
            y = F.Relu6(y) + F.Hardswish(y) + F.Silu(y) + F.Sigmoid(y) + (_gamma.Value * y) - (y / 2f);
            y = y.Permute(0, 2, 3, 1).Permute(0, 3, 1, 2);
            return y.Mean([2, 3]).Flatten(1) + y.Sum([2, 3]);
        }
    }

    [Fact]
    public void OnnxRuntime_ExportedModule_MatchesEvaluationForwardForBatches1And3()
    {
        var net = new Sequential(("block", new Block(8, 1)), ("fc", new Linear(8, 10, random: new Random(2))));

        OrtRun.ExportAndCompare(net, [8, 6, 6], output, "block + fc", atol: 1e-5, rtol: 1e-5);
    }

    [Fact]
    public void OnnxRuntime_ExportedModuleAtTheTop_MatchesEvaluationForward()
    {
        OrtRun.ExportAndCompare(new Block(4, 3), [4, 5, 5], output, "block", atol: 1e-5, rtol: 1e-5);
    }

    /// <summary>The zoo models of the training fixtures (torchvision's smaller names), built with random weights, 10 classes, 64×64 images.</summary>
    public static TheoryData<string> ZooNames =>
    [
        "resnet18", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x0_5", "densenet121", "mnasnet0_5",
        "efficientnet_b0", "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny", "googlenet",
    ];

    [Theory]
    [MemberData(nameof(ZooNames))]
    public void OnnxRuntime_ExportedTorchVisionModel_MatchesEvaluationForward(string name)
    {
        Module model = LeNet.Models.Vision.TorchVision.GetModel(name, numClasses: 10);

        OrtRun.ExportAndCompare(model, [3, 64, 64], output, name, atol: 1e-4, rtol: 1e-3);
    }

    /// <summary>
    /// akamaster's CIFAR ResNet-20: its option-A shortcut pads channels with F.Pad (one ONNX Pad node), so the model
    /// exported at batch 1 runs at batch 3 (zeros concatenated used to carry the export's batch size).
    /// </summary>
    [Fact]
    public void OnnxRuntime_CifarResNet20ExportedAtBatch1_MatchesEvaluationForwardAtBatch3()
    {
        var model = new LeNet.Models.Vision.CifarResNet([3, 3, 3], random: new Random(5));

        OrtRun.ExportAndCompare(model, [3, 32, 32], output, "cifar resnet20", atol: 1e-4, rtol: 1e-3);
    }

    [Fact]
    public void OnnxRuntime_LinearOnARank3Input_IsMatMulAndAdd()
    {
        var net = new Sequential(new Linear(4, 3, random: new Random(3)), new ReLU(), new Linear(3, 2, bias: false, random: new Random(4)));

        OrtRun.ExportAndCompare(net, [5, 4], output, "linear on [N, 5, 4]", atol: 1e-6, rtol: 1e-6);
    }

    [Fact]
    public void OnnxRuntime_ALayerCalledOnTwoShapes_ExportsEachCallsShapeConstants()
    {
        OrtRun.ExportAndCompare(new FlattenTwice(), [3, 4, 4], output, "flatten twice", atol: 1e-6);
    }

    /// <summary>One <c>Flatten(2)</c> on a map and on its pooled copy: the two Reshapes need different target shapes.</summary>
    private sealed class FlattenTwice : Module
    {
        private readonly Flatten _flatten;

        public FlattenTwice() => _flatten = Register("flatten", new Flatten(startDim: 2));

        protected override Tensor ForwardCore(Tensor x) =>
            Tensor.Cat([_flatten.Forward(x), _flatten.Forward(F.MaxPool2d(x, 2))], dim: 2);
    }
}
