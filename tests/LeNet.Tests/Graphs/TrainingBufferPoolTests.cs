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

    /// <summary>A residual sum (a tensor operation, not a layer) inside the forward and, optionally, as its output.</summary>
    private sealed class ResidualSum : Module
    {
        private readonly Conv2d _conv = new(1, 4, 3, padding: 1, random: new Random(11));
        private readonly BatchNorm2d _bn = new(4);
        private readonly bool _sumIsOutput;
        private readonly bool _sum;

        public ResidualSum(bool sumIsOutput, bool sum = true)
        {
            (_sumIsOutput, _sum) = (sumIsOutput, sum);
            Register("conv", _conv);
            Register("bn", _bn);
        }

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor h = _conv.Forward(input);
            Tensor sum = _sum ? _bn.Forward(h) + h : _bn.Forward(h);
            return _sumIsOutput ? sum : Functional.Relu(sum);
        }
    }

    [Fact]
    public void TrainingStep_ResidualSum_ReusesItsArrayAcrossSteps()
    {
        // Arrange: 8 images of 32×32, so one 4-channel map is 128 KB.
        const long MapBytes = 8 * 4 * 32 * 32 * sizeof(float);

        // Act: what a steady step allocates with the sum and without it (relu(bn(h)) alone).
        long withSum = SteadyStepBytes(new ResidualSum(sumIsOutput: false));
        long withoutSum = SteadyStepBytes(new ResidualSum(sumIsOutput: false, sum: false));

        // Assert: the sum's map (and the sum of h's two gradients) come from the pool, not from new arrays.
        (withSum - withoutSum).Should().BeLessThan(MapBytes / 2, $"a step allocated {withSum} bytes with the sum and {withoutSum} without");
    }

    private static long SteadyStepBytes(Module model)
    {
        Tensor x = Arrays.Random(new Random(12), 8, 1, 32, 32), g = Arrays.Random(new Random(13), 8, 4, 32, 32);
        for (int step = 0; step < 3; step++)
        {
            model.Forward(x);
            model.Backward(g);
        }

        // The least of five steps: the runtime's own allocations (tiered compilation on other threads) come and go.
        long least = long.MaxValue;
        for (int step = 0; step < 5; step++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            model.Forward(x);
            model.Backward(g);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        return least;
    }

    [Fact]
    public void TrainingStep_ResidualSumAsOutput_LeavesTheEarlierOutputAlone()
    {
        // Arrange
        var reused = new ResidualSum(sumIsOutput: true);
        Tensor g = Arrays.Random(new Random(14), 2, 4, 6, 6);
        Tensor output = reused.Forward(Arrays.Random(new Random(15), 2, 1, 6, 6));
        reused.Backward(g);
        float[] outputValues = output.ToArray();

        // Act: two more steps on other batches.
        for (int step = 0; step < 2; step++)
        {
            reused.Forward(Arrays.Random(new Random(16 + step), 2, 1, 6, 6));
            reused.Backward(g);
        }

        // Assert
        output.ToArray().Should().Equal(outputValues);
    }
}
