using LeNet.Compiler;
using LeNet.Inference;
using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The compiled convolution stage when it takes Winograd F(4×4, 3×3) (<see cref="LeNet.Kernels.WinogradF4Plan.Suits"/>):
/// a padded convolution with a fused average pool over an odd width, one with a fused max pool over an odd size, and
/// a plain one (26×25) whose last tiles overhang the output by 2 rows and 3 columns with each mobile activation (ReLU6,
/// Hardswish, Hardsigmoid) or none, against the layers run one by one, with the same bits on 1, 2, 3 and 7 threads.
/// </summary>
[Collection(SerialTestGroup.Name)]
public class WinogradF4StageTests
{
    [Theory]
    [InlineData(1, "none")]
    [InlineData(3, "none")]
    [InlineData(3, "relu6")]
    [InlineData(1, "hardswish")]
    [InlineData(3, "hardsigmoid")]
    public void Predict_WinogradF4Convolutions_MatchLayersAndBitIdenticalOverThreads(int batch, string last)
    {
        // The last convolution's activation: each kind the stage fuses must reach the F(4×4) epilogue.
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
            new Conv2d(32, 64, 3, padding: 1, random: random), new ReLU(), new AvgPool2d(2),
            new Conv2d(64, 64, 3, padding: 1, random: random), new Sigmoid(), new MaxPool2d(2),
            new Conv2d(64, 65, 3, padding: 1, random: random), activation,
            new Flatten(), new Linear(65 * 26 * 25, 10, random: random));
        net.Eval();
        int[] image = [3, 106, 101];
        var plan = new PredictorPlan(net, image);
        plan.Stages.OfType<ConvStage>().Count(s => s.UsesWinogradF4).Should().Be(3, "the pooled 32→64 and 64→64 convolutions and the plain 64→65 one on 26×25 take F(4×4)");
        var predictor = new Predictor(net, image);
        Tensor images = Arrays.Random(new Random(11), batch, 3, 106, 101);

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
