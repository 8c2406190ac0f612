using System.Text.Json;
using LeNet.Graphs;
using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Graphs;
using LeNet.Tests.Reference;
using Xunit.Abstractions;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// The CIFAR-10 ResNets of He et al. 2016 (akamaster/pytorch_resnet_cifar10, option A shortcuts): parameter counts,
/// ResNet-20 against real PyTorch (Golden/torchvision/make_cifar_resnet.py → cifar_resnet.json: state-dict layout,
/// logits in both modes, one training step) and the backward of a small variant against central differences.
/// </summary>
public class CifarResNetTests(ITestOutputHelper output)
{
    private static readonly Lazy<JsonElement> Fixture = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "torchvision", "cifar_resnet.json");
        using FileStream stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    [Fact]
    public void ResNet20_TenClasses_Has269722Parameters()
    {
        CifarResNet model = CifarResNet.ResNet20();

        model.Parameters().Sum(p => (long)p.Length).Should().Be(269_722, "the paper's 0.27M");
        Fixture.Value.GetProperty("parameters").GetInt64().Should().Be(269_722, "PyTorch counts the same");
    }

    [Theory]
    [InlineData(32, 464_154)]
    [InlineData(44, 658_586)]
    [InlineData(56, 853_018)]
    public void ResNetN_TenClasses_HasThePapersParameterCount(int depth, long parameters)
    {
        CifarResNet model = depth switch
        {
            32 => CifarResNet.ResNet32(),
            44 => CifarResNet.ResNet44(),
            _ => CifarResNet.ResNet56(),
        };

        model.Parameters().Sum(p => (long)p.Length).Should().Be(parameters);
    }

    [Fact]
    public void ResNet20_StateDict_MatchesPyTorchKeysOrderAndShapes()
    {
        CifarResNet model = CifarResNet.ResNet20();

        string[] actual = [.. model.StateDict().Select(e => $"{e.Key} {Tensor.FormatShape(e.Value.Shape)}")];
        string[] expected = [.. Fixture.Value.GetProperty("state").EnumerateArray()
            .Select(e => $"{e[0].GetString()} {Tensor.FormatShape([.. e[1].EnumerateArray().Select(d => d.GetInt32())])}")];

        actual.Should().Equal(expected);
    }

    [Fact]
    public void ResNet20_Forward_MatchesPyTorchLogits()
    {
        JsonElement fixture = Fixture.Value;
        int[] inputShape = [.. fixture.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32())];

        ResNetFamilyGolden.CheckOutputs(
            "cifar_resnet20", CifarResNet.ResNet20(), inputShape, Floats(fixture.GetProperty("output")), Floats(fixture.GetProperty("output_train_bn")), output, BiasOverrides.Value);
    }

    [Fact]
    public void ResNet20_EvaluationForward_EveryChainRunsCompiled()
    {
        // Its blocks call F.Relu (a fresh ReLU each call): traced in training mode, that layer made every chain it
        // joined (conv, bn, relu, conv, bn) fall back to the layer path, 2-3x slower than the compiled stages.
        CifarResNet model = CifarResNet.ResNet20();
        model.Eval();
        Tensor input = Arrays.Random(new Random(3), 2, 3, 32, 32);

        model.Forward(input);
        model.Forward(input);

        (Sequential Segment, int[] InputShape)[] segments = model.Plans!.PlanFor(2, 3, 32, 32)!.Segments;
        segments.Should().HaveCountGreaterThan(10);
        segments.Select(s => s.Segment.Engine?.Compilations ?? 0).Should().OnlyContain(c => c == 1, "every chain of the plan runs its compiled stages, packed once");
    }

    /// <summary>
    /// The fixture's BatchNorm biases, moved by make_cifar_resnet.py so that no ReLU input lies within 1e-4 (relative) of
    /// its kink: with detweights' biases one of layer2.0's lies 1.1e-6 from it, inside float32's rounding (~2e-6), and
    /// the Vector256 path (DOTNET_EnableAVX512=0), rounding differently from PyTorch, took the other side: layer2.0.bn1's
    /// bias gradient 2 % off and everything before it up to 4 %, while PyTorch's own float32 is within 4e-6 of float64.
    /// </summary>
    private static readonly Lazy<Dictionary<string, float[]>> BiasOverrides = new(() =>
        Fixture.Value.GetProperty("bias_overrides").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(e => e.GetSingle()).ToArray()));

    [Fact]
    public void ResNet20_TrainingStep_MatchesPyTorchGradients() =>
        ResNetFamilyGolden.CheckTrainingStep("cifar_resnet20", CifarResNet.ResNet20(), Fixture.Value.GetProperty("training"), output, BiasOverrides.Value);

    [Fact]
    public void Backward_TrainingMode_MatchesCentralDifferences()
    {
        // n = 1: conv1, three blocks (two with the option-A shortcut: subsampling and zero channels), pool, linear;
        // BatchNorm with batch statistics: smooth but curved in every input and weight, hence the extrapolation.
        CifarResNet model = AwayFromKinks(seed: 5);
        Tensor x = Reference.Arrays.Random(new Random(6), 2, 3, 8, 8);

        CheckWithExtrapolation(model, x, seed: 7);
    }

    [Fact]
    public void Backward_EvaluationMode_MatchesCentralDifferences()
    {
        // Evaluation mode: BatchNorm is the affine map of its running statistics (here converged to the batch's), so
        // away from kinks the network is linear in every single input and weight and central differences are exact.
        CifarResNet model = AwayFromKinks(seed: 8);
        Tensor x = Reference.Arrays.Random(new Random(9), 2, 3, 8, 8);
        for (int i = 0; i < 200; i++)
        {
            model.Forward(x); // running = 0.9 · running + 0.1 · batch: converged (0.9^200 ≈ 7e-10)
        }

        model.Eval();

        // Differenced on the layers' own forward, the one Backward differentiates: evaluation-mode Forward runs the
        // compiled plan (BatchNorm folded, Winograd), whose other rounding moves gradients of order 1e-4 by ~1e-5 here.
        ModuleGradients.Check(model, x, seed: 10, step: 0.3, extrapolate: false, forward: input => model.Record(input, RecordingMode.Differentiate).Output!);
    }

    [Fact]
    public void Forward_OddSizedStage_SubsamplesLikeTheStridedSlice()
    {
        // x[:, :, ::2, ::2] of a 9×9 map keeps rows and columns 0, 2, 4, 6, 8: 5×5, as the stride-2 convolution's output.
        var model = new CifarResNet([1, 1, 1], numClasses: 4, random: new Random(11));

        model.GetOutputShape([1, 3, 9, 9]).Should().Equal(1, 4);
        model.Forward(Reference.Arrays.Random(new Random(12), 2, 3, 9, 9)).Shape.ToArray().Should().Equal(2, 4);
    }

    /// <summary>
    /// A ResNet (n = 1) whose ReLUs all sit far from their kink, so that central differences with large steps never
    /// straddle one. With ordinary weights they do: one weight or input feeds hundreds of pre-activations, some within
    /// 1e-2 of zero, and ModuleGradients.Check at its default step misses the (correct) analytical gradient by up to
    /// 25%, while steps small enough to dodge the kinks drown in float32 rounding (~1e-6 of the loss; the gradients are
    /// ~1e-2). Here every BatchNorm has γ = 0.3, so γ · x̂ stays within about ±1 (|x̂| ≤ √(M − 1) over M values, ~3 in
    /// practice); β = +3 or −3 by channel makes each unit clearly active or dead (both branches of the ReLU's backward
    /// run), and β = +3 for each block's last norm keeps its sum with the non-negative shortcut positive. Then a step of
    /// 0.3 in the input or a weight moves no pre-activation across zero.
    /// </summary>
    private static CifarResNet AwayFromKinks(int seed)
    {
        var model = new CifarResNet([1, 1, 1], numClasses: 3, random: new Random(seed));
        foreach ((string name, ILayer layer) in model.NamedModules())
        {
            if (layer is BatchNorm2d norm)
            {
                norm.Weight!.Value.AsSpan().Fill(0.3f);
                Span<float> beta = norm.Bias!.Value.AsSpan();
                bool lastOfBranch = name.EndsWith("bn2", StringComparison.Ordinal);
                for (int c = 0; c < beta.Length; c++)
                {
                    beta[c] = lastOfBranch || c % 2 == 0 ? 3f : -3f;
                }
            }
        }

        return model;
    }

    /// <summary>
    /// <see cref="ModuleGradients.Check"/> for a loss that is smooth but curved (training-mode BatchNorm): the same
    /// L = Σ r·forward(x), up to 24 positions of the input and of every parameter, each numerical derivative extrapolated
    /// from central differences at h and h/2 (Richardson: (4·D(h/2) − D(h)) / 3, error O(h⁴)) so h can be large: half
    /// the tensor's root mean square, at most 0.3 (0.3 for the input, 0.06 for a convolution's weight, 0.15 for a
    /// BatchNorm's weight, 0.3 for its bias: all well inside the kinks' margin). The tolerance is
    /// ShouldMatchNumerical's, 1e-3 · max(|numerical|, 1e-2), plus the float forward's own noise: L is summed in double
    /// from float logits rounded to ~1e-7 of Σ|r·y|, which the differences divide by h (4 · 2⁻²³ · Σ|r·y| / h:
    /// 5e-5 for the input, while its gradients are 1e-3 to 2e-2).
    /// </summary>
    private void CheckWithExtrapolation(Module module, Tensor x, int seed, int samples = 24, double relativeStep = 0.5)
    {
        var random = new Random(seed);
        Tensor y = module.Forward(x);
        Tensor r = Reference.Arrays.Random(random, y.Shape.ToArray());
        module.ZeroGrad();
        float[] inputGradient = module.Backward(r).ToArray();
        var tensors = new List<(string Name, Tensor Values, float[] Analytical)> { ("input", x, inputGradient) };
        tensors.AddRange(module.NamedParameters().Select(p => (p.Name, p.Parameter.Value, p.Parameter.Gradient.ToArray())));
        double[] rd = [.. r.ToArray().Select(v => (double)v)];
        double rounding = 4 * Math.Pow(2, -23) * y.ToArray().Select((v, i) => Math.Abs(v * rd[i])).Sum();
        double worst = 0;
        string worstAt = "";
        int checkedCount = 0;
        foreach ((string name, Tensor values, float[] analytical) in tensors)
        {
            int[] indices = values.Length <= samples
                ? [.. Enumerable.Range(0, values.Length)]
                : [.. Enumerable.Range(0, samples).Select(_ => random.Next(values.Length)).Distinct()];
            double step = Math.Clamp(relativeStep * Math.Sqrt(values.ToArray().Average(v => (double)v * v)), 1e-2, 0.3), noise = rounding / step;
            foreach (int i in indices)
            {
                double numerical = ((4 * Difference(values, i, step / 2)) - Difference(values, i, step)) / 3;
                double ratio = Math.Abs(analytical[i] - numerical) / ((1e-3 * Math.Max(Math.Abs(numerical), 1e-2)) + noise);
                if (ratio > worst)
                {
                    (worst, worstAt) = (ratio, $"{name}[{i}]: analytical {analytical[i]}, numerical {numerical}");
                }

                checkedCount++;
            }
        }

        output.WriteLine($"{checkedCount} positions; worst at {worst:F2} of the tolerance ({worstAt}); rounding of L {rounding:E2}");
        worst.Should().BeLessThan(1, $"the gradient should match the central differences (worst {worstAt})");

        double Difference(Tensor values, int i, double h)
        {
            float original = values.AsSpan()[i];
            values.AsSpan()[i] = (float)(original + h);
            double plus = Loss();
            values.AsSpan()[i] = (float)(original - h);
            double minus = Loss();
            values.AsSpan()[i] = original;
            return (plus - minus) / (2 * h);
        }

        double Loss()
        {
            float[] output = module.Forward(x).ToArray();
            double sum = 0;
            for (int i = 0; i < output.Length; i++)
            {
                sum += output[i] * rd[i];
            }

            return sum;
        }
    }

    private static float[] Floats(JsonElement rows) =>
        [.. rows.EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetSingle())];
}
