using System.Globalization;
using LeNet.Data;
using LeNet.IO;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Data;
using LeNet.Training;

namespace LeNet.Tests.Cli;

/// <summary><c>lenet summary --onnx</c> and <c>lenet convert</c> with an ONNX graph that is not a chain (a residual block).</summary>
public sealed class OnnxGraphCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public OnnxGraphCommandTests()
    {
        var net = new ResidualNet();
        net.Eval();
        OnnxExporter.Export(net, Model, 1, 3, 8, 8);
    }

    private string Model => _dir.File("residual.onnx");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Summary_OnnxGraph_ListsItsLayersOperationsAndTotals()
    {
        (int code, string stdout, string stderr) = Lenet.Run("summary", "--onnx", Model);

        code.Should().Be(0, stderr);
        stdout.Should().StartWith("residual.onnx (OnnxGraph), input [1, 3, 8, 8]:");
        stdout.Should().Contain("conv").And.Contain("Conv2d").And.Contain("add").And.Contain("fc").And.Contain("Linear");
        // conv 3·3·3·3 + 3, fc 3·4 + 4: 84 + 16
        stdout.Should().Contain("Total parameters: 100");
    }

    [Fact]
    public void Convert_OnnxGraphToSafeTensors_WritesTheInitializersUnderTheirNames()
    {
        (int code, _, string stderr) = Lenet.Run("convert", Model, _dir.File("w.safetensors"));

        code.Should().Be(0, stderr);
        var expected = new ResidualNet().StateDict();
        IReadOnlyDictionary<string, Tensor> written = SafeTensors.Read(_dir.File("w.safetensors"));
        written.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach ((string key, Tensor tensor) in expected)
        {
            written[key].ToArray().Should().Equal(tensor.ToArray(), key);
        }
    }

    [Fact]
    public void Evaluate_OnnxGraphOfThePretrainedLeNet_SameAccuracyAsItsWeights()
    {
        // (x + x) · 0.5 → the pretrained modern LeNet: the input is read twice, so the exported graph is no chain.
        var net = new TwoPathLeNet();
        net.Eval();
        OnnxExporter.Export(net, _dir.File("lenet.onnx"), 1, 1, 28, 28);

        (int code, string stdout, string stderr) = Lenet.Run("evaluate", "--onnx", _dir.File("lenet.onnx"), "--data", MnistTests.Subset);

        code.Should().Be(0, stderr);
        EvaluationResult expected = Trainer.Evaluate(LeNetFactory.CreatePretrained(LeNetVariant.Modern), Mnist.Load(MnistTests.Subset).Test);
        stdout.Should().StartWith($"{_dir.File("lenet.onnx")}: accuracy {expected.Accuracy.ToString("P2", CultureInfo.InvariantCulture)} ({expected.Correct} of 500)");
    }

    private sealed class TwoPathLeNet : Module
    {
        private readonly Sequential _lenet;

        public TwoPathLeNet() => _lenet = Register("lenet", LeNetFactory.CreatePretrained(LeNetVariant.Modern));

        protected override Tensor ForwardCore(Tensor input) => _lenet.Forward((input + input) * 0.5f);
    }

    /// <summary>x + conv(x) → global average → Linear(3, 4): the input is read twice, so no chain.</summary>
    private sealed class ResidualNet : Module
    {
        private readonly Conv2d _conv;
        private readonly AdaptiveAvgPool2d _pool;
        private readonly Flatten _flatten;
        private readonly Linear _fc;

        public ResidualNet()
        {
            var random = new Random(5);
            _conv = Register("conv", new Conv2d(3, 3, 3, padding: 1, random: random));
            _pool = Register("pool", new AdaptiveAvgPool2d(1));
            _flatten = Register("flatten", new Flatten());
            _fc = Register("fc", new Linear(3, 4, random: random));
        }

        protected override Tensor ForwardCore(Tensor input) => _fc.Forward(_flatten.Forward(_pool.Forward(input + _conv.Forward(input))));
    }
}
