using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;

namespace LeNet.Tests.Layers;

public class SequentialTests
{
    [Fact]
    public void StateDict_LeNet_HasTorchKeysAndShapesInOrder()
    {
        IReadOnlyDictionary<string, Tensor> state = LeNetFactory.Create().StateDict();

        state.Select(kv => $"{kv.Key} {Tensor.FormatShape(kv.Value.Shape)}").Should().Equal(
            "0.weight [6, 1, 5, 5]",
            "0.bias [6]",
            "3.weight [16, 6, 5, 5]",
            "3.bias [16]",
            "7.weight [120, 400]",
            "7.bias [120]",
            "9.weight [84, 120]",
            "9.bias [84]",
            "11.weight [10, 84]",
            "11.bias [10]");
    }

    [Fact]
    public void StateDict_Nested_UsesDottedPrefixes()
    {
        var net = new Sequential(
            new Linear(4, 3),
            new Sequential(new Sigmoid(), new Linear(3, 2, bias: false)));

        net.StateDict().Keys.Should().Equal("0.weight", "0.bias", "1.1.weight");
    }

    [Fact]
    public void LoadStateDict_FromAnotherSeed_GivesBitIdenticalOutputs()
    {
        Sequential source = LeNetFactory.Create(7);
        Sequential target = LeNetFactory.Create(8);
        Tensor x = Arrays.Random(new Random(1), 4, 1, 28, 28);
        target.Forward(x).ToArray().Should().NotEqual(source.Forward(x).ToArray());

        target.LoadStateDict(source.StateDict());

        target.Forward(x).ToArray().Should().Equal(source.Forward(x).ToArray());
    }

    [Fact]
    public void LoadStateDict_CopiesValues_DoesNotShareStorage()
    {
        Sequential source = LeNetFactory.Create(1);
        Sequential target = LeNetFactory.Create(2);

        target.LoadStateDict(source.StateDict());
        source.StateDict()["0.bias"].AsSpan()[0] = 123f;

        target.StateDict()["0.bias"][0].Should().NotBe(123f);
    }

    [Fact]
    public void LoadStateDict_StrictWithProblems_NamesEveryKeyAndChangesNothing()
    {
        Sequential net = LeNetFactory.Create(3);
        float[] before = net.StateDict()["0.weight"].ToArray();
        var state = new Dictionary<string, Tensor>(LeNetFactory.Create(4).StateDict());
        state.Remove("3.bias");
        state["7.weight"] = new Tensor(120, 399);
        state["extra.weight"] = new Tensor(1);

        Action act = () => net.LoadStateDict(state);

        act.Should().Throw<ArgumentException>()
            .WithMessage("*3 problems*nothing was loaded*missing key '3.bias'*size mismatch for '7.weight': expected [120, 400], got [120, 399]*unexpected key 'extra.weight'*");
        net.StateDict()["0.weight"].ToArray().Should().Equal(before);
    }

    [Fact]
    public void LoadStateDict_NotStrict_IgnoresMissingAndUnexpected()
    {
        Sequential net = LeNetFactory.Create(3);
        Sequential other = LeNetFactory.Create(4);
        float[] conv2Before = net.StateDict()["3.weight"].ToArray();
        var state = new Dictionary<string, Tensor>
        {
            ["0.weight"] = other.StateDict()["0.weight"],
            ["fc.weight"] = new Tensor(2, 2),
        };

        net.LoadStateDict(state, strict: false);

        net.StateDict()["0.weight"].ToArray().Should().Equal(other.StateDict()["0.weight"].ToArray());
        net.StateDict()["3.weight"].ToArray().Should().Equal(conv2Before);
    }

    [Fact]
    public void LoadStateDict_NotStrictShapeMismatch_StillThrows()
    {
        Sequential net = LeNetFactory.Create();
        var state = new Dictionary<string, Tensor> { ["0.bias"] = new Tensor(7) };

        Action act = () => net.LoadStateDict(state, strict: false);

        act.Should().Throw<ArgumentException>().WithMessage("*size mismatch for '0.bias': expected [6], got [7]*");
    }

    [Fact]
    public void Summary_LeNet_PrintsTheSeedTable()
    {
        ModelSummary summary = LeNetFactory.Create().Summary(1, 1, 28, 28);

        summary.ToString().Split('\n').Should().Equal(
            "Conv2d output shape: [1, 6, 28, 28]",
            "Sigmoid output shape: [1, 6, 28, 28]",
            "AvgPool2d output shape: [1, 6, 14, 14]",
            "Conv2d output shape: [1, 16, 10, 10]",
            "Sigmoid output shape: [1, 16, 10, 10]",
            "AvgPool2d output shape: [1, 16, 5, 5]",
            "Flatten output shape: [1, 400]",
            "Linear output shape: [1, 120]",
            "Sigmoid output shape: [1, 120]",
            "Linear output shape: [1, 84]",
            "Sigmoid output shape: [1, 84]",
            "Linear output shape: [1, 10]",
            "Total parameters: 61,706");
        summary.TotalParameters.Should().Be(61_706);
        // 6·25+6, 16·6·25+16, 400·120+120, 120·84+84, 84·10+10.
        summary.Layers.Select(row => row.ParameterCount).Should().Equal(156, 0, 0, 2416, 0, 0, 0, 48120, 0, 10164, 0, 850);
        summary.Layers.Select(row => row.Index).Should().Equal(Enumerable.Range(0, 12));
        // 2·(6·25·784), 2·(16·150·100), 2·(400·120), 2·(120·84), 2·(84·10): 0.833 MFLOP per image.
        summary.Layers.Select(row => row.Flops).Should().Equal(235_200, 0, 0, 480_000, 0, 0, 0, 96_000, 0, 20_160, 0, 1_680);
        summary.TotalFlops.Should().Be(833_040);
        LeNetFactory.Create().Summary(4, 1, 28, 28).TotalFlops.Should().Be(4 * 833_040);
    }

    [Fact]
    public void Summary_ShapeThatDoesNotFit_NamesTheRejectingLayer()
    {
        Action act = () => LeNetFactory.Create().Summary(1, 1, 32, 32);

        act.Should().Throw<ArgumentException>().WithMessage("Linear(400→120): expected 400 input features*got 576*");
    }

    [Fact]
    public void ListMembers_CountIndexerEnumeration_FollowConstructionOrder()
    {
        var conv = new Conv2d(1, 1, 1);
        var sigmoid = new Sigmoid();
        var net = new Sequential(conv, sigmoid);

        net.Count.Should().Be(2);
        net[1].Should().BeSameAs(sigmoid);
        net.Should().Equal(conv, sigmoid);
    }

    [Fact]
    public void Constructor_NullLayer_Throws()
    {
        Action act = () => _ = new Sequential(new Sigmoid(), null!);

        act.Should().Throw<ArgumentException>().WithMessage("*layer 1 is null*");
    }

    [Fact]
    public void Forward_Empty_IsIdentity()
    {
        var x = Tensor.FromArray([1, 2], 1, 2);

        new Sequential().Forward(x).ToArray().Should().Equal(1f, 2f);
    }
}
