using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Kernels.Simd;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Inference;

/// <summary>
/// A convolution stage packs its weights for a kernel when that kernel first runs, not for every kernel at build: a
/// single image never makes the tile kernel's packing, and a Winograd stage never makes the GEMM's or the channel
/// kernel's. CI runs these at every vector width (the kernels chosen differ; the rule holds at each).
/// </summary>
public class ConvStagePackingTests
{
    [Theory]
    [InlineData(16, 12)]
    [InlineData(24, 9)]
    [InlineData(3, 20)]
    public void Predict_ASingleImage_PacksOnlyTheKernelThatRan(int channels, int size)
    {
        var random = new Random(channels + size);
        var model = new Sequential(new Conv2d(channels, 16, 3, padding: 1, random: random), new ReLU());
        model.Eval();
        int[] image = [channels, size, size];
        var plan = new PredictorPlan(model, image);
        ConvStage stage = plan.Stages.OfType<ConvStage>().Single();
        var predictor = new Predictor(plan, image, SimdSupport.Best);
        Tensor x = Arrays.Random(random, 1, channels, size, size);
        var output = new float[predictor.OutputLength];

        (bool Tile, bool Channels, bool Gemm) built = stage.Packings;
        predictor.Predict(x.AsReadOnlySpan(), output);

        built.Should().Be((false, false, false), "nothing is packed before a kernel runs");
        (bool tilePacked, bool channelsPacked, bool gemmPacked) = stage.Packings;
        int made = (tilePacked ? 1 : 0) + (channelsPacked ? 1 : 0) + (gemmPacked ? 1 : 0);
        bool winogradRan = stage.UsesWinograd && !tilePacked;
        made.Should().Be(winogradRan ? 0 : 1, $"one kernel ran (tile {tilePacked}, channels {channelsPacked}, GEMM {gemmPacked}, Winograd {winogradRan}) and only its packing is made");

        model.Train();
        output.Should().BeCloseTo(model.Forward(x).ToArray(), 1e-4, 1e-4);
    }

    [Fact]
    public void Predict_AWholeTile_PacksTheTileKernelsWeights()
    {
        var random = new Random(5);
        var model = new Sequential(new Conv2d(4, 8, 3, padding: 1, random: random), new ReLU());
        model.Eval();
        int[] image = [4, 6, 6];
        var plan = new PredictorPlan(model, image);
        ConvStage stage = plan.Stages.OfType<ConvStage>().Single();
        var predictor = new Predictor(plan, image, SimdSupport.Best);
        Tensor x = Arrays.Random(random, 16, 4, 6, 6);
        var output = new float[16 * predictor.OutputLength];

        predictor.Predict(x.AsReadOnlySpan(), output);

        stage.Packings.Tile.Should().BeTrue("sixteen small images run as one tile");
        model.Train();
        output.Should().BeCloseTo(model.Forward(x).ToArray(), 1e-4, 1e-4);
    }
}
