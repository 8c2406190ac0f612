using LeNet.Layers;
using LeNet.Models;

namespace LeNet.Tests.Training;

public class InitTests
{
    [Fact]
    public void XavierUniform_ConvWeight_UsesFansWithReceptiveField()
    {
        var weight = new Tensor(16, 6, 5, 5);

        Init.XavierUniform(weight, new Random(1));

        // fan_in = 6·25 = 150, fan_out = 16·25 = 400: a = √(6/550) = 0.10445.
        double bound = Math.Sqrt(6.0 / 550);
        weight.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound);
        weight.ToArray().Max().Should().BeGreaterThan((float)(0.98 * bound));
        weight.ToArray().Min().Should().BeLessThan((float)(-0.98 * bound));
    }

    [Fact]
    public void XavierUniformWeightsZeroBiases_LeNet_SetsEveryWeightAndZeroesEveryBias()
    {
        var net = LeNetFactory.Create();

        Init.XavierUniformWeightsZeroBiases(net, new Random(3));

        foreach ((string name, Parameter parameter) in net.NamedParameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal))
            {
                parameter.Value.ToArray().Should().OnlyContain(v => v == 0f, name);
            }
            else
            {
                int fanIn = parameter.Value.Length / parameter.Value.Shape[0];
                int fanOut = parameter.Value.Length / parameter.Value.Shape[1];
                double bound = Math.Sqrt(6.0 / (fanIn + fanOut));
                parameter.Value.ToArray().Should().OnlyContain(v => Math.Abs(v) <= bound, name);
                parameter.Value.ToArray().Max().Should().BeGreaterThan((float)(0.8 * bound), name);
            }
        }
    }

    [Fact]
    public void XavierUniformWeightsZeroBiases_BatchNormLeNet_InitializesConvAndLinearOnlyAndDrawsInStateDictOrder()
    {
        Sequential net = LeNetFactory.CreateBatchNorm();
        var norm = (BatchNorm2d)net[1];
        norm.Weight!.Value.AsSpan().Fill(0.5f);

        Init.XavierUniformWeightsZeroBiases(net, new Random(4));

        norm.Weight.Value.ToArray().Should().OnlyContain(v => v == 0.5f, "a BatchNorm's weight is not a Conv2d or Linear weight");
        norm.Bias!.Value.ToArray().Should().OnlyContain(v => v == 0f, "BatchNorm's bias starts at zero anyway");
        ((Conv2d)net[0]).Bias!.Value.ToArray().Should().OnlyContain(v => v == 0f);

        // The same draws as initialising each Conv2d and Linear weight by hand, in order.
        var random = new Random(4);
        Sequential expected = LeNetFactory.CreateBatchNorm();
        foreach (ILayer layer in Enumerable.Range(0, expected.Count).Select(i => expected[i]))
        {
            if (layer is Conv2d conv)
            {
                Init.XavierUniform(conv.Weight.Value, random);
            }
            else if (layer is Linear linear)
            {
                Init.XavierUniform(linear.Weight.Value, random);
            }
        }

        ((Linear)net[15]).Weight.Value.ToArray().Should().Equal(((Linear)expected[15]).Weight.Value.ToArray());
    }

    [Fact]
    public void XavierUniform_RankOne_Throws()
    {
        Action act = () => Init.XavierUniform(new Tensor(5));

        act.Should().Throw<ArgumentException>().WithMessage("*rank 2 or more*[5]*");
    }
}
