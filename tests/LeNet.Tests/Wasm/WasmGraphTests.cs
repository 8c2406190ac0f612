using LeNet.Layers;
using LeNet.Models.Vision;
using LeNet.Tests.Reference;
using LeNet.Wasm;

namespace LeNet.Tests.Wasm;

/// <summary>
/// Graph networks with their compiled segments emitted as WebAssembly and run under Node.js, the tensor operations
/// between them managed, against the same Module's managed evaluation-mode Forward (1e-4 relative): CifarResNet-20,
/// a one-block-per-stage torchvision ResNet (7×7 stride-2 stem, padded max pool, 1×1 stride-2 downsamples) and a
/// narrow MobileNetV2 (inverted residuals; its depthwise convolutions and ReLU6 have no stage and stay managed).
/// Every BatchNorm has random running statistics and affine parameters, so folding them is tested.
/// </summary>
public class WasmGraphTests
{
    public static TheoryData<string> Networks => new() { "cifar-resnet20", "resnet", "mobilenet_v2" };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Run_GraphNetwork_MatchesManagedForward(string name)
    {
        var random = new Random(name.Length);
        (Module model, int[] shape) = name switch
        {
            "cifar-resnet20" => ((Module)new CifarResNet([3, 3, 3], random: random), new[] { 2, 3, 32, 32 }),
            "resnet" => (new ResNet(ResNetBlock.BasicBlock, [1, 1, 1, 1], numClasses: 10, random: random), [1, 3, 64, 64]),
            _ => (new MobileNetV2(numClasses: 10, widthMult: 0.25), [1, 3, 48, 48]),
        };
        foreach ((_, ILayer layer) in model.NamedModules())
        {
            if (layer is BatchNorm norm)
            {
                Randomize(norm, random);
            }
        }

        model.Eval();
        Tensor images = Arrays.Random(random, shape);
        float[] expected = model.Forward(images).ToArray();

        WasmGraph graph = WasmGraph.Emit(model, images);
        using var host = new NodeWasmHost(graph.Programs);
        float[] actual = graph.Run(images, host.Run).ToArray();

        host.Calls.Should().Be(graph.Programs.Count(p => p is not null) * shape[0], "every emitted segment ran in Node.js, image by image");
        graph.Programs.Should().Contain(p => p != null);
        // resnet's stem pool (3×3/2, padding 1) and its global average pool are compiled stages with no WebAssembly form yet
        // (PaddedMaxPoolStage, GlobalAvgPoolStage): the segments holding them run managed, like mobilenet_v2's depthwise ones.
        if (name == "cifar-resnet20")
        {
            graph.Programs.Should().AllSatisfy(p => p.Should().NotBeNull(), "every ResNet-20 segment is convolutions, ReLU and dense layers");
        }

        float scale = expected.Max(MathF.Abs);
        actual.Should().BeCloseTo(expected, atol: 1e-4 * scale, rtol: 1e-4);
    }

    private static void Randomize(BatchNorm norm, Random random)
    {
        Span<float> mean = norm.RunningMean!.AsSpan(), variance = norm.RunningVar!.AsSpan(), gamma = norm.Weight!.Value.AsSpan(), beta = norm.Bias!.Value.AsSpan();
        for (int i = 0; i < mean.Length; i++)
        {
            (mean[i], variance[i], gamma[i], beta[i]) = (((float)random.NextDouble() - 0.5f) * 0.2f, 0.5f + (float)random.NextDouble(), 0.5f + (float)random.NextDouble(), ((float)random.NextDouble() - 0.5f) * 0.2f);
        }
    }
}
