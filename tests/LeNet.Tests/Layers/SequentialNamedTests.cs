using LeNet.Layers;

namespace LeNet.Tests.Layers;

/// <summary>Named children, like <c>nn.Sequential(OrderedDict([("conv1", …), …]))</c>: keys, lookup, validation, printing.</summary>
public class SequentialNamedTests
{
    private static Sequential Named() => new(
        ("conv1", new Conv2d(1, 6, 5)),
        ("relu1", new ReLU()),
        ("pool1", new MaxPool2d(2)),
        ("flatten", new Flatten()),
        ("fc1", new Linear(6 * 12 * 12, 10)));

    [Fact]
    public void StateDict_NamedChildren_UseTheNamesAsPrefixes()
    {
        Named().StateDict().Select(kv => $"{kv.Key} {Tensor.FormatShape(kv.Value.Shape)}").Should().Equal(
            "conv1.weight [6, 1, 5, 5]", "conv1.bias [6]", "fc1.weight [10, 864]", "fc1.bias [10]");
    }

    [Fact]
    public void NamedParameters_NamedChildren_MatchTheStateDictKeys()
    {
        Sequential net = Named();

        net.NamedParameters().Select(p => p.Name).Should().Equal(net.StateDict().Keys);
    }

    [Fact]
    public void StateDict_NestedNamedContainers_GiveDottedPaths()
    {
        // PyTorch: nn.Sequential(OrderedDict(convnet=nn.Sequential(OrderedDict(c1=Conv2d, relu1=ReLU)), fc=nn.Sequential(OrderedDict(f6=Linear))))
        var net = new Sequential(
            ("convnet", new Sequential(("c1", new Conv2d(1, 2, 3)), ("relu1", new ReLU()))),
            ("fc", new Sequential(("f6", new Linear(4, 2)))),
            ("head", new Sequential(new Linear(2, 2))));

        net.StateDict().Keys.Should().Equal("convnet.c1.weight", "convnet.c1.bias", "fc.f6.weight", "fc.f6.bias", "head.0.weight", "head.0.bias");
    }

    [Fact]
    public void Indexer_Name_FindsTheChild()
    {
        var conv = new Conv2d(1, 6, 5);
        var net = new Sequential(("conv1", conv), ("relu1", new ReLU()));

        net["conv1"].Should().BeSameAs(conv);
        net[0].Should().BeSameAs(conv);
        net["relu1"].Should().BeOfType<ReLU>();
    }

    [Fact]
    public void Indexer_IndexNamedChild_FindsItByItsIndexText()
    {
        var linear = new Linear(2, 2);

        new Sequential(new ReLU(), linear)["1"].Should().BeSameAs(linear);
    }

    [Fact]
    public void Indexer_MissingName_ThrowsKeyNotFoundListingTheNames()
    {
        Action act = () => _ = Named()["conv2"];

        act.Should().Throw<KeyNotFoundException>().WithMessage("*no child named 'conv2'; the children are 'conv1', 'relu1', 'pool1', 'flatten', 'fc1'.");
    }

    [Fact]
    public void Names_NamedAndIndexed_AreInOrder()
    {
        Named().Names.Should().Equal("conv1", "relu1", "pool1", "flatten", "fc1");
        new Sequential(new ReLU(), new ReLU()).Names.Should().Equal("0", "1");
    }

    [Fact]
    public void Names_CannotBeChangedThroughACast()
    {
        Sequential net = Named();

        (net.Names is string[]).Should().BeFalse("the names are the model's own; a caller must not rename children behind its back");
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Constructor_EmptyName_ThrowsArgumentException(string? name)
    {
        Action act = () => _ = new Sequential(("conv1", new ReLU()), (name!, new ReLU()));

        act.Should().Throw<ArgumentException>().WithMessage("*the name of child 1 is empty*");
    }

    [Theory]
    [InlineData("conv.1")]
    [InlineData(".")]
    [InlineData("a.")]
    public void Constructor_DottedName_ThrowsArgumentException(string name)
    {
        Action act = () => _ = new Sequential((name, new ReLU()));

        act.Should().Throw<ArgumentException>().WithMessage($"*child name '{name}' contains a dot*");
    }

    [Fact]
    public void Constructor_DuplicateName_ThrowsNamingBothChildren()
    {
        Action act = () => _ = new Sequential(("a", new ReLU()), ("b", new ReLU()), ("a", new ReLU()));

        act.Should().Throw<ArgumentException>().WithMessage("*child name 'a' is used twice (children 0 and 2)*");
    }

    [Fact]
    public void Constructor_NamesDifferingInCase_AreDistinctAsInPython()
    {
        var net = new Sequential(("fc", new Linear(2, 2)), ("FC", new Linear(2, 2)));

        net.StateDict().Keys.Should().Equal("fc.weight", "fc.bias", "FC.weight", "FC.bias");
    }

    [Fact]
    public void Constructor_NullLayer_ThrowsNamingIt()
    {
        Action act = () => _ = new Sequential(("conv1", null!));

        act.Should().Throw<ArgumentException>().WithMessage("*layer 'conv1' (child 0) is null*");
    }

    [Fact]
    public void Summary_NamedChildren_RowsCarryTheNames()
    {
        ModelSummary summary = Named().Summary(1, 1, 28, 28);

        summary.Layers.Select(r => r.Key).Should().Equal("conv1", "relu1", "pool1", "flatten", "fc1");
        summary.Layers.Select(r => r.Index).Should().Equal(0, 1, 2, 3, 4);
        summary.Layers[0].ToString().Should().Be("conv1: Conv2d output shape: [1, 6, 24, 24]");
        summary.Layers[4].ToString().Should().Be("fc1: Linear output shape: [1, 10]");
        summary.ToString().Split('\n')[2].Should().Be("pool1: MaxPool2d output shape: [1, 6, 12, 12]");
    }

    [Fact]
    public void Summary_IndexedChildren_KeepTheD2lLines()
    {
        ModelSummary summary = new Sequential(new Linear(4, 3), new ReLU()).Summary(1, 4);

        summary.Layers.Select(r => r.Key).Should().Equal("0", "1");
        summary.Layers[0].ToString().Should().Be("Linear output shape: [1, 3]");
    }

    [Fact]
    public void ToString_NamedChildren_PrintsTheNamesAsPyTorchDoes()
    {
        var conv = new Conv2d(1, 6, 5);
        var relu = new ReLU();

        string text = new Sequential(("conv1", conv), ("act", relu)).ToString();

        text.Should().Be($"Sequential(\n  (conv1): {conv}\n  (act): {relu}\n)");
    }

    [Fact]
    public void ToString_NestedNamed_IndentsTheInnerContainer()
    {
        var relu = new ReLU();

        string text = new Sequential(("block", new Sequential(("r", relu)))).ToString();

        text.Should().Be($"Sequential(\n  (block): Sequential(\n    (r): {relu}\n  )\n)");
    }

    [Fact]
    public void LoadStateDict_NamedModel_TakesKeysByName()
    {
        Sequential source = Named();
        Sequential target = Named();
        source.StateDict()["fc1.bias"].AsSpan().Fill(0.5f);

        target.LoadStateDict(source.StateDict());

        target.StateDict()["fc1.bias"].ToArray().Should().AllBeEquivalentTo(0.5f);
    }
}
