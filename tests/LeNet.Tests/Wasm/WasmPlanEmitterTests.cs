using LeNet.Inference;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;
using LeNet.Wasm;

namespace LeNet.Tests.Wasm;

/// <summary>
/// The emitted WebAssembly, run under Node.js, against naive loops written from the formulas (every stage
/// kind on random shapes) and against the layers' own Forward (the pretrained LeNets, a BatchNorm folded
/// into its convolution and dense layer).
/// </summary>
public class WasmPlanEmitterTests
{
    private const int Images = 3;

    // (in, out, kernel, stride, padding, height, width, activation, pool): 1×1 to 7×7 kernels; strides 1–3;
    // output channels that fill 1, 2, 3 and 9 vectors (two groups of accumulators); no pool, the fused 2×2
    // pools (even and odd outputs), and a 3×3 stride-2 pool the convolution cannot fuse (a pool stage).
    public static TheoryData<int, int, int, int, int, int, int, string, string> Convolutions => new()
    {
        { 1, 6, 5, 1, 2, 28, 28, "relu", "max2" },
        { 1, 6, 5, 1, 2, 28, 28, "sigmoid", "avg2" },
        { 6, 16, 5, 1, 0, 14, 14, "sigmoid", "avg2" },
        { 3, 5, 3, 2, 1, 11, 9, "none", "none" },
        { 2, 33, 1, 1, 0, 5, 7, "relu", "none" },
        { 4, 7, 7, 3, 3, 13, 12, "sigmoid", "max2" },
        { 5, 9, 3, 1, 1, 9, 10, "relu", "max3" },
        { 3, 4, 2, 2, 0, 8, 8, "none", "avg3" },
    };

    [Theory]
    [MemberData(nameof(Convolutions))]
    public void Forward_Convolution_MatchesNaiveReference(int inChannels, int outChannels, int kernel, int stride, int padding, int height, int width, string activation, string pool)
    {
        var random = new Random(inChannels * 100 + outChannels);
        var conv = new Conv2d(inChannels, outChannels, kernel, stride, padding, random: random);
        var layers = new List<ILayer> { conv };
        if (activation != "none")
        {
            layers.Add(activation == "relu" ? new ReLU() : new Sigmoid());
        }

        // A 3×3 pool after the activation runs as its own pool stage; a following activation as an activation stage.
        layers.AddRange(pool switch
        {
            "max2" => [new MaxPool2d(2, 2)],
            "avg2" => [new AvgPool2d(2, 2)],
            "max3" => [new MaxPool2d(3, 2), new Sigmoid()],
            "avg3" => [new AvgPool2d(3, 1), new ReLU()],
            _ => [],
        });
        var model = new Sequential([.. layers]);
        Tensor images = Arrays.Random(random, Images, inChannels, height, width);

        float[] actual = NodeWasm.Run(Emit(model, inChannels, height, width), images.ToArray());

        float[,,,] expected = NaiveLayers.Conv2d(Arrays.To4D(images), Arrays.To4D(conv.Weight.Value), conv.Bias!.Value.ToArray(), stride, padding);
        expected = Map(expected, activation);
        expected = pool switch
        {
            "max2" => NaiveLayers.MaxPool2d(expected, 2, 2),
            "avg2" => NaiveLayers.AvgPool2d(expected, 2, 2),
            "max3" => Map(NaiveLayers.MaxPool2d(expected, 3, 2), "sigmoid"),
            "avg3" => Map(NaiveLayers.AvgPool2d(expected, 3, 1), "relu"),
            _ => expected,
        };
        actual.Should().BeCloseTo(Arrays.Flat(expected), atol: 2e-6, rtol: 1e-5);
    }

    // (input [C, H, W], outputs, activation): a flattened map and a plain vector; 1 to 130 outputs (up to
    // 33 vectors: five groups, a partial last vector).
    public static TheoryData<int, int, int, int, string> DenseLayers => new()
    {
        { 16, 5, 5, 120, "relu" },
        { 1, 1, 84, 10, "none" },
        { 3, 2, 4, 37, "sigmoid" },
        { 1, 1, 7, 1, "relu" },
        { 2, 3, 3, 130, "sigmoid" },
    };

    [Theory]
    [MemberData(nameof(DenseLayers))]
    public void Forward_Dense_MatchesNaiveReference(int channels, int height, int width, int outFeatures, string activation)
    {
        var random = new Random(outFeatures);
        int features = channels * height * width;
        var linear = new Linear(features, outFeatures, random: random);
        var layers = new List<ILayer> { new Flatten(), linear };
        if (activation != "none")
        {
            layers.Add(activation == "relu" ? new ReLU() : new Sigmoid());
        }

        Tensor images = Arrays.Random(random, Images, channels, height, width);

        float[] actual = NodeWasm.Run(Emit(new Sequential([.. layers]), channels, height, width), images.ToArray());

        float[,] expected = NaiveLayers.Linear(Arrays.To2D(images.Reshape(Images, features)), Arrays.To2D(linear.Weight.Value), linear.Bias!.Value.ToArray());
        float[] flat = Arrays.Flat(expected).Select(v => Apply(v, activation)).ToArray();
        actual.Should().BeCloseTo(flat, atol: 2e-6, rtol: 1e-5);
    }

    [Theory]
    [InlineData(LeNetVariant.Modern)]
    [InlineData(LeNetVariant.Classic)]
    public void Forward_PretrainedLeNet_MatchesLayerForward(LeNetVariant variant)
    {
        Sequential model = LeNetFactory.CreatePretrained(variant);
        Tensor images = Arrays.Random(new Random(5), 8, 1, 28, 28);
        Span<float> pixels = images.AsSpan();
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = Math.Max(0f, pixels[i]);
        }

        float[] actual = NodeWasm.Run(Emit(model, 1, 28, 28), images.ToArray());

        actual.Should().BeCloseTo(model.Forward(images).ToArray(), atol: 1e-5);
    }

    [Fact]
    public void Forward_BatchNormLeNet_MatchesLayerForward()
    {
        Sequential model = LeNetFactory.CreateBatchNorm(seed: 4);
        var random = new Random(6);
        foreach (BatchNorm norm in model.OfType<BatchNorm>())
        {
            Span<float> mean = norm.RunningMean!.AsSpan(), variance = norm.RunningVar!.AsSpan(), gamma = norm.Weight!.Value.AsSpan(), beta = norm.Bias!.Value.AsSpan();
            for (int i = 0; i < mean.Length; i++)
            {
                (mean[i], variance[i], gamma[i], beta[i]) = ((float)random.NextDouble() - 0.5f, 0.5f + (float)random.NextDouble(), 0.5f + (float)random.NextDouble(), (float)random.NextDouble() - 0.5f);
            }
        }

        model.Eval();
        Tensor images = Arrays.Random(random, 4, 1, 28, 28);

        float[] actual = NodeWasm.Run(Emit(model, 1, 28, 28), images.ToArray());

        actual.Should().BeCloseTo(model.Forward(images).ToArray(), atol: 1e-5);
    }

    [Fact]
    public void Emit_LeNet_WritesAValidModuleHeader()
    {
        WasmProgram program = Emit(LeNetFactory.CreatePretrained(LeNetVariant.Modern), 1, 28, 28);

        program.Module.AsSpan(0, 8).ToArray().Should().Equal(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00);
        program.InputLength.Should().Be(784);
        program.OutputLength.Should().Be(10);
    }

    private static WasmProgram Emit(Sequential model, int channels, int height, int width) =>
        WasmPlanEmitter.Emit(new PredictorPlan(model, [channels, height, width]));

    private static float Apply(float x, string activation) => activation switch
    {
        "relu" => Math.Max(x, 0f),
        "sigmoid" => NaiveLayers.Sigmoid(x),
        _ => x,
    };

    private static float[,,,] Map(float[,,,] x, string activation)
    {
        var result = (float[,,,])x.Clone();
        for (int n = 0; n < x.GetLength(0); n++)
        {
            for (int c = 0; c < x.GetLength(1); c++)
            {
                for (int h = 0; h < x.GetLength(2); h++)
                {
                    for (int w = 0; w < x.GetLength(3); w++)
                    {
                        result[n, c, h, w] = Apply(x[n, c, h, w], activation);
                    }
                }
            }
        }

        return result;
    }
}
