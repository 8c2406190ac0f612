using LeNet.Layers;
using LeNet.Models.Vision;

namespace LeNet.Tests.Models.Vision;

/// <summary>Module.SkipInit on torchvision's architectures: every scheme their constructors draw with is skipped, and a strict load gives the normal path's model bit for bit.</summary>
public class SkipInitModelsTests
{
    /// <summary>One architecture per initialisation scheme: ResNetInit, MobileInit, ClassicInit, ScaledInit and the layers' defaults.</summary>
    [Theory]
    [InlineData("resnet18")]
    [InlineData("densenet121")]
    [InlineData("mobilenet_v2")]
    [InlineData("mobilenet_v3_small")]
    [InlineData("mnasnet0_5")]
    [InlineData("squeezenet1_1")]
    [InlineData("googlenet")]
    [InlineData("efficientnet_b0")]
    [InlineData("regnet_y_400mf")]
    [InlineData("convnext_tiny")]
    [InlineData("shufflenet_v2_x0_5")]
    public void SkipInit_TorchVisionModel_EveryConvolutionAndDenseParameterIsZero(string name)
    {
        Module model = Module.SkipInit(() => TorchVision.GetModel(name, numClasses: 10));

        var drawn = model.NamedModules()
            .SelectMany(m => m.Layer switch
            {
                Conv2d conv => new (string Key, Parameter? Parameter)[] { (m.Name + ".weight", conv.Weight), (m.Name + ".bias", conv.Bias) },
                Linear linear => [(m.Name + ".weight", linear.Weight), (m.Name + ".bias", linear.Bias)],
                _ => [],
            })
            .Where(p => p.Parameter is not null)
            .ToList();
        drawn.Should().NotBeEmpty();
        foreach ((string key, Parameter? parameter) in drawn)
        {
            parameter!.Value.ToArray().Should().OnlyContain(v => v == 0f, $"{name}'s {key} is not drawn under SkipInit");
        }
    }

    [Fact]
    public void SkipInit_CifarResNet20_EveryConvolutionAndDenseWeightIsZero()
    {
        CifarResNet model = Module.SkipInit(() => CifarResNet.ResNet20());

        foreach ((string key, Tensor tensor) in model.StateDict().Where(e => e.Key.EndsWith(".weight", StringComparison.Ordinal) && e.Value.Rank >= 2))
        {
            tensor.ToArray().Should().OnlyContain(v => v == 0f, $"ResNet-20's {key} is not drawn under SkipInit");
        }
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("mobilenet_v2")]
    public void SkipInit_ThenStrictLoad_BitIdenticalToTheDrawnModelLoaded(string name)
    {
        Module source = TorchVision.GetModel(name, numClasses: 10);
        IReadOnlyDictionary<string, Tensor> state = source.StateDict();
        Module drawn = TorchVision.GetModel(name, numClasses: 10);
        drawn.LoadStateDict(state);
        Module skipped = Module.SkipInit(() => TorchVision.GetModel(name, numClasses: 10));
        skipped.LoadStateDict(state);
        drawn.Eval();
        skipped.Eval();
        var random = new Random(24);
        Tensor x = Tensor.FromArray([.. Enumerable.Range(0, 2 * 3 * 64 * 64).Select(_ => (float)((random.NextDouble() * 2) - 1))], 2, 3, 64, 64);

        float[] expected = drawn.Forward(x).ToArray();
        float[] actual = skipped.Forward(x).ToArray();

        foreach ((string key, Tensor tensor) in skipped.StateDict())
        {
            tensor.ToArray().Should().Equal(state[key].ToArray(), $"{key} is overwritten by the strict load");
        }

        expected.Should().Contain(v => v != 0f);
        actual.Should().Equal(expected);
    }
}
