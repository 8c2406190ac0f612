using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;
using LeNet.Wasm;

namespace LeNet.Tests.Wasm;

/// <summary>
/// Whole networks emitted as one WebAssembly module (<see cref="WasmNetwork"/>), run under Node.js: each kernel
/// (dense and depthwise convolution with residual add and activations, padded max pool, average pools, dense
/// layer, element-wise add, concatenation, grouped convolution) against naive double loops written from the formulas on random shapes,
/// and a small ResNet and MobileNetV2 against the Module's managed evaluation-mode Forward (1e-4 relative).
/// </summary>
public class WasmNetworkTests
{
    // (in, out, kernel, stride, padding, height, width, depthwise, activation, residual): output channels that fill
    // 1–5 vectors (full and half groups of accumulators), rows of 1–3 blocks of 4 pixels plus tails of 0–3.
    public static TheoryData<int, int, int, int, int, int, int, bool, string, bool> Convolutions => new()
    {
        { 3, 16, 7, 2, 3, 23, 21, false, "relu", false },
        { 5, 5, 3, 1, 1, 9, 10, false, "relu", true },
        { 8, 12, 1, 1, 0, 7, 13, false, "relu6", false },
        { 4, 20, 1, 2, 0, 11, 9, false, "hardswish", false },
        { 6, 6, 3, 1, 1, 6, 7, false, "none", true },
        { 7, 7, 3, 1, 1, 9, 11, true, "relu6", false },
        { 12, 12, 3, 2, 1, 13, 14, true, "hardswish", false },
        { 5, 5, 5, 2, 2, 12, 10, true, "none", false },
    };

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Forward_Convolution_MatchesNaiveReference(int inChannels, int outChannels, int kernel, int stride, int padding, int height, int width, bool depthwise, string activation, bool residual)
    {
        var random = new Random((inChannels * 31) + outChannels + kernel);
        var model = new ConvBlock(new Conv2d(inChannels, outChannels, kernel, stride, padding, groups: depthwise ? inChannels : 1, random: random), Activation(activation), residual);
        model.Eval();
        Tensor image = Arrays.Random(random, 1, inChannels, height, width);

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, [inChannels, height, width]), image.ToArray());

        double[] x = Doubles(image);
        double[] y = DoubleReferenceB.Conv2d(x, [1, inChannels, height, width], Doubles(model.Conv.Weight.Value), Doubles(model.Conv.Bias!.Value), outChannels, (kernel, kernel), (stride, stride), (padding, padding), (1, 1), depthwise ? inChannels : 1, out _);
        if (residual)
        {
            y = [.. y.Select((v, i) => v + x[i])];
        }

        float[] expected = [.. y.Select(v => (float)Apply(activation, v))];
        actual.Should().BeCloseTo(expected, atol: 1e-5, rtol: 1e-5);
    }

    // (channels, height, width, kernel, stride, padding, max)
    public static TheoryData<int, int, int, int, int, int, bool> Pools => new()
    {
        { 5, 12, 11, 3, 2, 1, true },
        { 8, 9, 9, 2, 2, 0, true },
        { 3, 10, 7, 3, 1, 1, true },
        { 6, 8, 8, 2, 2, 0, false },
        { 4, 9, 7, 3, 2, 0, false },
    };

    [Theory]
    [MemberData(nameof(Pools))]
    public void Forward_Pool_MatchesNaiveReference(int channels, int height, int width, int kernel, int stride, int padding, bool max)
    {
        var random = new Random((channels * 7) + height);
        ILayer pool = max ? new MaxPool2d(kernel, stride, padding) : new AvgPool2d(kernel, stride);
        var model = new Sequential(pool);
        model.Eval();

        // Negative inputs too: a −∞ border, not a zero one, leaves a window of negatives its maximum.
        Tensor image = Arrays.Random(random, 1, channels, height, width);

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, [channels, height, width]), image.ToArray());

        double[] y = DoubleReferenceB.Pool2d(Doubles(image), [1, channels, height, width], kernel, stride, padding, 1, false, max, true, out _);
        actual.Should().BeCloseTo([.. y.Select(v => (float)v)], atol: 1e-6, rtol: 1e-6);
    }

    [Theory]
    [InlineData(7, 5, 6, 10)]
    [InlineData(16, 7, 7, 33)]
    public void Forward_GlobalPoolFlattenLinear_MatchesNaiveReference(int channels, int height, int width, int classes)
    {
        var random = new Random(channels + classes);
        var linear = new Linear(channels, classes, random: random);
        var model = new Sequential(new AdaptiveAvgPool2d(1), new Flatten(), new Dropout(0.2f), linear);
        model.Eval();
        Tensor image = Arrays.Random(random, 1, channels, height, width);

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, [channels, height, width]), image.ToArray());

        double[] pooled = DoubleReferenceB.AdaptiveAvgPool2d(Doubles(image), [1, channels, height, width], 1, 1);
        double[] y = DoubleReference.Linear(pooled, 1, channels, Doubles(linear.Weight.Value), Doubles(linear.Bias!.Value), classes);
        actual.Should().BeCloseTo([.. y.Select(v => (float)v)], atol: 1e-5, rtol: 1e-5);
    }

    [Fact]
    public void Forward_AddActivationsConcat_MatchesNaiveReference()
    {
        var random = new Random(3);
        var model = new AddConcat();
        model.Eval();
        Tensor image = Arrays.Random(random, 1, 8, 5, 6);

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, [8, 5, 6]), image.ToArray());

        // a = relu(x), b = hardswish(x), out = cat([relu6(a + b), a], channels).
        double[] x = Doubles(image);
        double[] a = [.. x.Select(v => Apply("relu", v))], b = [.. x.Select(v => Apply("hardswish", v))];
        double[] expected = [.. a.Select((v, i) => Apply("relu6", v + b[i])), .. a];
        actual.Should().BeCloseTo([.. expected.Select(v => (float)v)], atol: 1e-6, rtol: 1e-6);
    }

    public static TheoryData<string> Networks => new() { "resnet", "mobilenet_v2" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Forward_GraphNetwork_MatchesManagedForward(string name)
    {
        var random = new Random(name.Length);
        (Module model, int[] shape) = name switch
        {
            "resnet" => ((Module)new ResNet(ResNetBlock.BasicBlock, [1, 1, 1, 1], numClasses: 10, random: random), new[] { 3, 64, 64 }),
            _ => (new MobileNetV2(numClasses: 10, widthMult: 0.25), [3, 64, 64]),
        };
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            if (layer is BatchNorm norm)
            {
                Randomize(norm, random);
            }
        }

        model.Eval();
        Tensor image = Arrays.Random(random, [1, .. shape]);
        float[] expected = model.Forward(image).ToArray();

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, shape), image.ToArray());

        float scale = expected.Max(MathF.Abs);
        actual.Should().BeCloseTo(expected, atol: 1e-4 * scale, rtol: 1e-4);
    }

    // (in, out, groups, kernel, stride, padding, residual): 8 outputs a group (two-vector passes), 4 a group (one-vector
    // passes), input groups of 3 channels (slices not aligned to 4), a channel multiplier of 4 (groups = inputs).
    [Theory]
    [InlineData(8, 16, 2, 3, 1, 1, true)]
    [InlineData(6, 12, 3, 3, 2, 1, false)]
    [InlineData(9, 24, 3, 1, 1, 0, false)]
    [InlineData(3, 12, 3, 3, 1, 1, false)]
    public void Forward_GroupedConvolution_MatchesNaiveReference(int inChannels, int outChannels, int groups, int kernel, int stride, int padding, bool residual)
    {
        var random = new Random((inChannels * 13) + groups);
        var model = new ConvBlock(new Conv2d(inChannels, outChannels, kernel, stride, padding, groups: groups, random: random), new ReLU(), residual && inChannels == outChannels);
        model.Eval();
        Tensor image = Arrays.Random(random, 1, inChannels, 9, 11);

        float[] actual = NodeWasm.Run(WasmNetwork.Emit(model, [inChannels, 9, 11]), image.ToArray());

        double[] x = Doubles(image);
        double[] y = DoubleReferenceB.Conv2d(x, [1, inChannels, 9, 11], Doubles(model.Conv.Weight.Value), Doubles(model.Conv.Bias!.Value), outChannels, (kernel, kernel), (stride, stride), (padding, padding), (1, 1), groups, out _);
        if (residual && inChannels == outChannels)
        {
            y = [.. y.Select((v, i) => v + x[i])];
        }

        actual.Should().BeCloseTo([.. y.Select(v => (float)Apply("relu", v))], atol: 1e-5, rtol: 1e-5);
    }

    [Fact]
    public void Emit_GroupedConvolutionOf3ChannelsAGroup_ThrowsNamingTheNode()
    {
        var model = new Sequential(new Conv2d(4, 6, 3, groups: 2));
        model.Eval();

        Action emit = () => WasmNetwork.Emit(model, [4, 6, 6]);

        emit.Should().Throw<NotSupportedException>().WithMessage("*Conv2d*groups 2 with 3 output channels a group*");
    }

    private static double[] Doubles(Tensor t) => [.. t.ToArray().Select(v => (double)v)];

    private static Layer? Activation(string name) => name switch
    {
        "relu" => new ReLU(),
        "relu6" => new ReLU6(),
        "hardswish" => new Hardswish(),
        _ => null,
    };

    private static double Apply(string name, double v) => name switch
    {
        "relu" => Math.Max(v, 0),
        "relu6" => Math.Min(Math.Max(v, 0), 6),
        "hardswish" => v * Math.Min(Math.Max(v + 3, 0), 6) / 6,
        _ => v,
    };

    private static void Randomize(BatchNorm norm, Random random)
    {
        Span<float> mean = norm.RunningMean!.AsSpan(), variance = norm.RunningVar!.AsSpan(), gamma = norm.Weight!.Value.AsSpan(), beta = norm.Bias!.Value.AsSpan();
        for (int i = 0; i < mean.Length; i++)
        {
            (mean[i], variance[i], gamma[i], beta[i]) = (((float)random.NextDouble() - 0.5f) * 0.2f, 0.5f + (float)random.NextDouble(), 0.5f + (float)random.NextDouble(), ((float)random.NextDouble() - 0.5f) * 0.2f);
        }
    }

    /// <summary>act(conv(x) [+ x]).</summary>
    private sealed class ConvBlock : Module
    {
        private readonly Layer? _activation;
        private readonly bool _residual;

        public ConvBlock(Conv2d conv, Layer? activation, bool residual)
        {
            Conv = Register("conv", conv);
            _activation = activation is null ? null : Register("act", activation);
            _residual = residual;
        }

        public Conv2d Conv { get; }

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor y = Conv.Forward(input);
            if (_residual)
            {
                y += input;
            }

            return _activation?.Forward(y) ?? y;
        }
    }

    /// <summary>cat([relu6(relu(x) + hardswish(x)), relu(x)], 1): activations, an add and a concatenation no convolution fuses.</summary>
    private sealed class AddConcat : Module
    {
        private readonly ReLU _relu;
        private readonly Hardswish _hardswish;
        private readonly ReLU6 _relu6;

        public AddConcat()
        {
            _relu = Register("relu", new ReLU());
            _hardswish = Register("hardswish", new Hardswish());
            _relu6 = Register("relu6", new ReLU6());
        }

        protected override Tensor ForwardCore(Tensor input)
        {
            Tensor a = _relu.Forward(input);
            Tensor b = _hardswish.Forward(input);
            return Tensor.Cat([_relu6.Forward(a + b), a], 1);
        }
    }
}
