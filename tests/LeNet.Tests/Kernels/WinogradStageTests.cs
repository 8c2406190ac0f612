using LeNet.Inference;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The compiled convolution stage when it takes Winograd F(2×2, 3×3) (32 and more input channels): a padded
/// plain convolution (the tiles overhang an odd edge), one followed by an average pool and one with a fused max
/// pool over an odd width, and one with each mobile activation (ReLU6, Hardswish, Hardsigmoid) or none, against the layers run one by one, with the same bits on 1, 2, 3 and 7 threads.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class WinogradStageTests
{
    [Theory]
    [InlineData(1, "none")]
    [InlineData(3, "none")]
    [InlineData(3, "relu6")]
    [InlineData(1, "hardswish")]
    [InlineData(3, "hardsigmoid")]
    public void Predict_WinogradConvolutions_MatchLayersAndBitIdenticalOverThreads(int batch, string last)
    {
        // The last convolution's activation: each kind the stage fuses must reach the Winograd epilogue.
        Layer activation = last switch
        {
            "relu6" => new ReLU6(),
            "hardswish" => new Hardswish(),
            "hardsigmoid" => new Hardsigmoid(),
            _ => new Identity(),
        };
        var random = new Random(5);
        var net = new Sequential(
            new Conv2d(3, 32, 3, padding: 1, random: random), new ReLU(),
            new Conv2d(32, 32, 3, padding: 1, random: random), new ReLU(), new AvgPool2d(2),
            new Conv2d(32, 40, 3, padding: 1, random: random), new Sigmoid(), new MaxPool2d(2),
            new Conv2d(40, 33, 3, random: random), activation,
            new Flatten(), new Linear(33 * 3 * 2, 10, random: random));
        AssertMatchesLayersOnEveryThreadCount(net, Arrays.Random(new Random(11), batch, 3, 21, 17));
    }

    /// <summary>
    /// An 8×8 map has 4 tile rows, one group: a 128→128 convolution is split over its eight 16-channel blocks across the
    /// threads (<see cref="LeNet.Kernels.WinogradPlan.Part"/>), a 128→48 one over its tile rows (3 blocks); both have
    /// enough multiply-adds to be split (ResNet-20's 64→64 at 8×8 has not).
    /// </summary>
    [Fact]
    public void Predict_SmallMapSplitOverChannels_MatchesLayersAndBitIdenticalOverThreads()
    {
        var random = new Random(8);
        var net = new Sequential(
            new Conv2d(3, 128, 3, padding: 1, random: random), new ReLU(),
            new Conv2d(128, 128, 3, padding: 1, random: random), new ReLU(),
            new Conv2d(128, 48, 3, padding: 1, random: random), new ReLU(),
            new Flatten(), new Linear(48 * 8 * 8, 10, random: random));
        AssertMatchesLayersOnEveryThreadCount(net, Arrays.Random(new Random(12), 1, 3, 8, 8));
    }

    private static void AssertMatchesLayersOnEveryThreadCount(Sequential net, Tensor images)
    {
        net.Eval();
        var predictor = new Predictor(net, images.Shape[1], images.Shape[2], images.Shape[3]);

        var results = new List<float[]>();
        int previous = Parallelism.MaxDegreeOfParallelism;
        try
        {
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                Parallelism.MaxDegreeOfParallelism = threads;
                results.Add(predictor.Predict(images).ToArray());
            }
        }
        finally
        {
            Parallelism.MaxDegreeOfParallelism = previous;
        }

        results.Should().AllSatisfy(r => r.Should().Equal(results[0]));
        Tensor layers = images;
        for (int i = 0; i < net.Count; i++)
        {
            layers = net[i].Forward(layers);
        }

        results[0].Should().BeCloseTo(layers.ToArray(), atol: 1e-4, rtol: 1e-4);
    }
}
