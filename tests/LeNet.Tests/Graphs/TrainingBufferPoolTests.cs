using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Graphs;

/// <summary>
/// A Module's training steps reuse the feature maps and gradients of the step before (<c>TrainingBufferPool</c>): a step
/// on reused (dirty) arrays must compute exactly what a fresh model computes, and what the caller holds from an
/// earlier step (the output, the input gradient) must not change.
/// </summary>
public class TrainingBufferPoolTests
{
    private static CifarResNet Model() => new([1, 1, 1], numClasses: 5, random: new Random(24));

    private static Tensor Batch(int seed) => Arrays.Random(new Random(seed), 4, 3, 8, 8);

    private static Tensor OutputGradient(int seed) => Arrays.Random(new Random(seed), 4, 5);

    [Fact]
    public void TrainingStep_AfterAnEarlierStep_SameBitsAsAFreshModel()
    {
        // Arrange: one model takes a step on another batch first (its pool then holds that step's arrays).
        CifarResNet reused = Model(), fresh = Model();
        Tensor first = reused.Forward(Batch(1));
        reused.Backward(OutputGradient(2));
        GC.KeepAlive(first);
        reused.ZeroGrad();

        // Act
        Tensor reusedOutput = reused.Forward(Batch(3));
        Tensor reusedInputGradient = reused.Backward(OutputGradient(4));
        Tensor freshOutput = fresh.Forward(Batch(3));
        Tensor freshInputGradient = fresh.Backward(OutputGradient(4));

        // Assert: bit-identical outputs, input gradients and parameter gradients.
        reusedOutput.ToArray().Should().Equal(freshOutput.ToArray());
        reusedInputGradient.ToArray().Should().Equal(freshInputGradient.ToArray());
        foreach (((string name, Parameter a), (_, Parameter b)) in reused.NamedParameters().Zip(fresh.NamedParameters()))
        {
            a.Gradient.ToArray().Should().Equal(b.Gradient.ToArray(), because: name);
        }
    }

    /// <summary>A module whose output and input gradient are both pooled layers' results (a ReLU's, a convolution's).</summary>
    private sealed class ConvRelu : Module
    {
        private readonly Conv2d _conv = new(3, 4, 3, padding: 1, random: new Random(7));
        private readonly BatchNorm2d _bn = new(4);

        public ConvRelu()
        {
            Register("conv", _conv);
            Register("bn", _bn);
        }

        protected override Tensor ForwardCore(Tensor input) => Functional.Relu(_bn.Forward(_conv.Forward(input)));
    }

    [Fact]
    public void TrainingStep_Repeated_LeavesTheEarlierOutputAndInputGradientAlone()
    {
        // Arrange
        var model = new ConvRelu();
        Tensor output = model.Forward(Batch(5));
        Tensor inputGradient = model.Backward(Arrays.Random(new Random(6), 4, 4, 8, 8));
        float[] outputValues = output.ToArray(), inputGradientValues = inputGradient.ToArray();

        // Act: two more steps on other batches.
        for (int step = 0; step < 2; step++)
        {
            model.Forward(Batch(7 + step));
            model.Backward(Arrays.Random(new Random(9 + step), 4, 4, 8, 8));
        }

        // Assert
        output.ToArray().Should().Equal(outputValues);
        inputGradient.ToArray().Should().Equal(inputGradientValues);
    }
}
