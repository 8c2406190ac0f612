using LeNet.Layers;

namespace LeNet.Tests.Graphs;

/// <summary>
/// A layer called twice in one chain of the traced evaluation plan (torchvision's Bottleneck calls its one ReLU after
/// bn1, bn2 and the addition): the plan's compiled segments must hold each layer once, or a segment traces itself
/// into the same plan again and the forward recurses until the stack overflows.
/// </summary>
public class GraphPlanRepeatedLayerTests
{
    [Fact]
    public void EvalForward_SequentialWithOneReLUTwice_MatchesLayerByLayer()
    {
        var relu = new ReLU();
        var conv1 = new Conv2d(2, 3, 3, padding: 1, random: new Random(1));
        var conv2 = new Conv2d(3, 4, 3, padding: 1, random: new Random(2));
        var chain = new Sequential(conv1, relu, conv2, relu);
        chain.Eval();
        Tensor x = Reference.Arrays.Random(new Random(3), 2, 2, 5, 5);

        float[] actual = chain.Forward(x).ToArray();

        float[] expected = relu.Forward(conv2.Forward(relu.Forward(conv1.Forward(x)))).ToArray();
        actual.Should().BeCloseTo(expected, 1e-5, 1e-5);
    }

    [Fact]
    public void EvalForward_ModuleCallingOneReLUInAChain_MatchesTrainingModeForward()
    {
        var block = new TwoConvOneReLU();
        Tensor x = Reference.Arrays.Random(new Random(4), 2, 2, 6, 6);
        float[] training = block.Forward(x).ToArray();

        block.Eval();
        float[] evaluation = block.Forward(x).ToArray();

        evaluation.Should().BeCloseTo(training, 1e-5, 1e-5);
    }

    /// <summary>relu(conv2(relu(conv1(x)))) with one ReLU module, as torchvision's blocks are written.</summary>
    private sealed class TwoConvOneReLU : Module
    {
        private readonly Conv2d _conv1;
        private readonly ReLU _relu;
        private readonly Conv2d _conv2;

        public TwoConvOneReLU()
        {
            _conv1 = Register("conv1", new Conv2d(2, 3, 3, padding: 1, random: new Random(5)));
            _relu = Register("relu", new ReLU());
            _conv2 = Register("conv2", new Conv2d(3, 2, 3, padding: 1, random: new Random(6)));
        }

        protected override Tensor ForwardCore(Tensor input) => _relu.Forward(_conv2.Forward(_relu.Forward(_conv1.Forward(input))));
    }
}
