using LeNet.Layers;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

[Collection(SerialTestGroup.Name)]
public class BatchNormTests
{
    public static TheoryData<string> TorchCases2d => TorchLayersB.Cases("BatchNorm2d");

    public static TheoryData<string> TorchCases1d => TorchLayersB.Cases("BatchNorm1d");

    [Theory]
    [MemberData(nameof(TorchCases2d))]
    public void BatchNorm2d_TwoTrainingStepsThenEval_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    [Theory]
    [MemberData(nameof(TorchCases1d))]
    public void BatchNorm1d_TwoTrainingStepsThenEval_MatchesPyTorch(string name) => TorchLayersB.Replay(name);

    [Fact]
    public void Constructor_Defaults_ArePyTorchs()
    {
        var bn = new BatchNorm2d(3);

        (bn.Eps, bn.Momentum, bn.Affine, bn.TrackRunningStats).Should().Be((1e-5f, 0.1f, true, true));
        bn.Weight!.Value.ToArray().Should().Equal(1f, 1f, 1f);
        bn.Bias!.Value.ToArray().Should().Equal(0f, 0f, 0f);
        bn.RunningMean!.ToArray().Should().Equal(0f, 0f, 0f);
        bn.RunningVar!.ToArray().Should().Equal(1f, 1f, 1f);
        bn.NumBatchesTracked!.Rank.Should().Be(0);
        bn.NumBatchesTracked.ToArray().Should().Equal(0f);
    }

    [Fact]
    public void StateDict_InSequential_ParametersThenBuffersInPyTorchsOrder()
    {
        var net = new Sequential(new BatchNorm2d(2), new Conv2d(2, 1, 1), new BatchNorm1d(3, affine: false), new BatchNorm1d(4, trackRunningStats: false));

        net.StateDict().Keys.Should().Equal(
            "0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked",
            "1.weight", "1.bias",
            "2.running_mean", "2.running_var", "2.num_batches_tracked",
            "3.weight", "3.bias");
        net.NamedParameters().Select(p => p.Name).Should().Equal("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias");
    }

    [Fact]
    public void SaveLoad_RoundTripsBuffers_NumBatchesTrackedAsInt64()
    {
        using var folder = new TempDirectory();
        string path = Path.Combine(folder.Path, "bn.safetensors");
        var net = new Sequential(new BatchNorm2d(2));
        net.Forward(Arrays.Random(new Random(1), 3, 2, 2, 2));
        net.Forward(Arrays.Random(new Random(2), 3, 2, 2, 2));
        net.Save(path);
        var loaded = new Sequential(new BatchNorm2d(2));

        loaded.Load(path);

        var bn = (BatchNorm2d)loaded[0];
        bn.NumBatchesTracked!.ToArray().Should().Equal(2f);
        bn.RunningMean!.ToArray().Should().Equal(((BatchNorm2d)net[0]).RunningMean!.ToArray());
        bn.RunningVar!.ToArray().Should().Equal(((BatchNorm2d)net[0]).RunningVar!.ToArray());
        System.Text.Encoding.UTF8.GetString(File.ReadAllBytes(path)).Should().Contain("\"0.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[]");
    }

    [Fact]
    public void Forward_EvalWithoutRunningStats_UsesBatchStatistics()
    {
        var bn = new BatchNorm1d(1, affine: false, trackRunningStats: false);
        bn.Eval();

        Tensor y = bn.Forward(Tensor.FromArray([1f, 3f], 2, 1));

        // mean 2, biased variance 1: (x − 2)/√(1 + 1e-5).
        y.ToArray().Should().BeCloseTo([(float)(-1 / Math.Sqrt(1 + 1e-5)), (float)(1 / Math.Sqrt(1 + 1e-5))], 1e-7);
        bn.NamedBuffers().Should().BeEmpty();
    }

    [Fact]
    public void Forward_Eval_UsesRunningStatisticsByHand()
    {
        var bn = new BatchNorm1d(2);
        bn.RunningMean!.AsSpan()[0] = 1f;
        bn.RunningVar!.AsSpan()[1] = 4f;
        bn.Weight!.Value.AsSpan()[1] = 3f;
        bn.Bias!.Value.AsSpan()[0] = 0.5f;
        bn.Eval();

        Tensor y = bn.Forward(Tensor.FromArray([2f, 2f], 1, 2));

        y.ToArray().Should().BeCloseTo([(float)((2 - 1) / Math.Sqrt(1 + 1e-5) + 0.5), (float)(2 / Math.Sqrt(4 + 1e-5) * 3)], 1e-6);
    }

    [Fact]
    public void Forward_TrainingOneValuePerChannel_ThrowsLikeTorch()
    {
        var bn = new BatchNorm1d(3);

        Action act = () => bn.Forward(new Tensor(1, 3));

        act.Should().Throw<ArgumentException>().WithMessage("BatchNorm1d(3): expected more than 1 value per channel when training*[1, 3]*");
    }

    [Theory]
    [InlineData(4, 3, 2, 5, "expected 3 channels (dimension 1), got 2")]
    [InlineData(3, 4, 3, 5, "expected a rank-4 input [N, 3, H, W], got rank 3")]
    public void Forward_BadShape_ThrowsNamingLayerExpectedActual(int rank, int n, int c, int h, string message)
    {
        var bn = new BatchNorm2d(3);
        Tensor x = rank == 4 ? new Tensor(n, c, h, 2) : new Tensor(n, c, h);

        Action act = () => bn.Forward(x);

        act.Should().Throw<ArgumentException>().WithMessage($"BatchNorm2d(3): {message}*");
    }

    [Fact]
    public void BatchNorm1d_Rank4Input_Throws()
    {
        Action act = () => new BatchNorm1d(2).Forward(new Tensor(2, 2, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage("BatchNorm1d(2): expected a rank-2 input [N, 2] or a rank-3 input [N, 2, L], got rank 4 [2, 2, 2, 2]*");
    }

    [Theory]
    [InlineData(0, 1e-5f, 0.1f, "numFeatures")]
    [InlineData(2, 0f, 0.1f, "eps")]
    [InlineData(2, 1e-5f, -0.1f, "momentum")]
    [InlineData(2, 1e-5f, 1.5f, "momentum")]
    public void Constructor_BadArguments_Throw(int features, float eps, float momentum, string parameter)
    {
        Action act = () => _ = new BatchNorm2d(features, eps, momentum);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(parameter);
    }

    [Fact]
    public void Forward_ThreadCounts_BitIdentical()
    {
        Tensor x = Arrays.Random(new Random(5), 64, 4, 16, 16);
        Tensor dy = Arrays.Random(new Random(6), 64, 4, 16, 16);
        float[] Run(int threads)
        {
            int saved = Parallelism.MaxDegreeOfParallelism;
            Parallelism.MaxDegreeOfParallelism = threads;
            try
            {
                var bn = new BatchNorm2d(4);
                float[] y = bn.Forward(x).ToArray();
                return [.. y, .. bn.Backward(dy).ToArray(), .. bn.Weight!.Gradient.ToArray(), .. bn.RunningVar!.ToArray()];
            }
            finally
            {
                Parallelism.MaxDegreeOfParallelism = saved;
            }
        }

        Run(2).Should().Equal(Run(1));
    }
}
