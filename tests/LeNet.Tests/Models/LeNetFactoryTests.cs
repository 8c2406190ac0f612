using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Models;

public class LeNetFactoryTests
{
    [Fact]
    public void Create_HasTheSeedsTwelveLayers()
    {
        Sequential net = LeNetFactory.Create();

        net.Select(layer => layer.ToString()).Should().Equal(
            "Conv2d(1→6, k=5, padding=2)",
            "Sigmoid()",
            "AvgPool2d(k=2, stride=2)",
            "Conv2d(6→16, k=5)",
            "Sigmoid()",
            "AvgPool2d(k=2, stride=2)",
            "Flatten()",
            "Linear(400→120)",
            "Sigmoid()",
            "Linear(120→84)",
            "Sigmoid()",
            "Linear(84→10)");
    }

    [Fact]
    public void CreateModern_SwapsActivationsAndPools_KeepsNamesAndShapes()
    {
        Sequential modern = LeNetFactory.CreateModern();

        modern.Select(layer => layer.Name).Should().Equal(
            "Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear");
        modern.StateDict().Keys.Should().Equal(LeNetFactory.Create().StateDict().Keys);
        modern.Summary(1, 1, 28, 28).Layers.Select(row => Tensor.FormatShape(row.OutputShape))
            .Should().Equal(LeNetFactory.Create().Summary(1, 1, 28, 28).Layers.Select(row => Tensor.FormatShape(row.OutputShape)));
        modern.Forward(new Tensor(2, 1, 28, 28)).Shape.ToArray().Should().Equal(2, 10);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    public void Forward_AnyBatch_GivesNByTenLogits(int n)
    {
        Tensor logits = LeNetFactory.Create().Forward(Arrays.Random(new Random(n), n, 1, 28, 28));

        logits.Shape.ToArray().Should().Equal(n, 10);
        logits.ToArray().Should().OnlyContain(v => float.IsFinite(v));
    }

    [Fact]
    public void Forward_WholeNetwork_MatchesNaiveReferenceChain()
    {
        Sequential net = LeNetFactory.Create(5);
        Tensor x = Arrays.Random(new Random(11), 2, 1, 28, 28);
        var p = net.StateDict();

        float[,,,] h = NaiveLayers.Conv2d(Arrays.To4D(x), Arrays.To4D(p["0.weight"]), p["0.bias"].ToArray(), 1, 2);
        h = NaiveLayers.AvgPool2d(Map(h), 2, 2);
        h = NaiveLayers.Conv2d(h, Arrays.To4D(p["3.weight"]), p["3.bias"].ToArray(), 1, 0);
        h = NaiveLayers.AvgPool2d(Map(h), 2, 2);
        float[,] f = new float[2, 400];
        Buffer.BlockCopy(h, 0, f, 0, 2 * 400 * sizeof(float));
        f = Map(NaiveLayers.Linear(f, Arrays.To2D(p["7.weight"]), p["7.bias"].ToArray()));
        f = Map(NaiveLayers.Linear(f, Arrays.To2D(p["9.weight"]), p["9.bias"].ToArray()));
        f = NaiveLayers.Linear(f, Arrays.To2D(p["11.weight"]), p["11.bias"].ToArray());

        net.Forward(x).ToArray().Should().BeCloseTo(Arrays.Flat(f), atol: 1e-5);
    }

    [Fact]
    public void Create_SameSeed_SameWeights_OtherSeed_OtherWeights()
    {
        float[] a = LeNetFactory.Create(42).StateDict()["7.weight"].ToArray();
        float[] b = LeNetFactory.Create(42).StateDict()["7.weight"].ToArray();
        float[] c = LeNetFactory.Create(43).StateDict()["7.weight"].ToArray();

        b.Should().Equal(a);
        c.Should().NotEqual(a);
    }

    [Fact]
    public void Forward_SixteenThreadsOnOneModel_BitIdenticalToSerial()
    {
        Sequential net = LeNetFactory.Create(1);
        Tensor[] inputs = Enumerable.Range(0, 16).Select(i => Arrays.Random(new Random(100 + i), 1 + (i % 5), 1, 28, 28)).ToArray();
        float[][] serial = inputs.Select(x => net.Forward(x).ToArray()).ToArray();
        var parallel = new float[16][][];
        using var start = new Barrier(16);

        Thread[] threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            parallel[t] = new float[20][];
            for (int r = 0; r < 20; r++)
            {
                parallel[t][r] = net.Forward(inputs[(t + r) % 16]).ToArray();
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        for (int t = 0; t < 16; t++)
        {
            for (int r = 0; r < 20; r++)
            {
                parallel[t][r].Should().Equal(serial[(t + r) % 16], $"thread {t}, round {r}");
            }
        }
    }

    private static float[,,,] Map(float[,,,] values)
    {
        var result = (float[,,,])values.Clone();
        for (int a = 0; a < result.GetLength(0); a++)
        {
            for (int b = 0; b < result.GetLength(1); b++)
            {
                for (int c = 0; c < result.GetLength(2); c++)
                {
                    for (int d = 0; d < result.GetLength(3); d++)
                    {
                        result[a, b, c, d] = NaiveLayers.Sigmoid(result[a, b, c, d]);
                    }
                }
            }
        }

        return result;
    }

    private static float[,] Map(float[,] values)
    {
        var result = (float[,])values.Clone();
        for (int a = 0; a < result.GetLength(0); a++)
        {
            for (int b = 0; b < result.GetLength(1); b++)
            {
                result[a, b] = NaiveLayers.Sigmoid(result[a, b]);
            }
        }

        return result;
    }
}
