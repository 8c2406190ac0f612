using F = LeNet.Layers.Functional;

namespace LeNet.Tests.Layers;

/// <summary>
/// <see cref="LeNet.Layers.Functional.Pad"/>'s argument rules and a hand-worked case; its values and gradients against
/// PyTorch are the <c>pad_*</c> cases of OpsGoldenTests, its ONNX export the CifarResNet test of LeNet.OnnxTests.
/// </summary>
public class FunctionalPadTests
{
    [Fact]
    public void Pad_PairsFromTheLastDimension_HandWorked()
    {
        // [[1, 2]] padded (left 1, right 0) in the last dimension, (top 0, bottom 1) in the first, with 9.
        Tensor y = F.Pad(Tensor.FromArray([1f, 2f], 1, 2), [1, 0, 0, 1], value: 9f);

        y.Shape.ToArray().Should().Equal(2, 3);
        y.ToArray().Should().Equal(9f, 1f, 2f, 9f, 9f, 9f);
    }

    [Fact]
    public void Pad_EmptyList_CopiesTheInput()
    {
        Tensor y = F.Pad(Tensor.FromArray([1f, 2f, 3f], 3), []);

        y.ToArray().Should().Equal(1f, 2f, 3f);
    }

    [Fact]
    public void Pad_OddLength_ThrowsWithTheCount()
    {
        Action act = () => F.Pad(new Tensor(2, 3), [1, 2, 3]);

        act.ShouldThrowNaming<ArgumentException>("Functional.Pad", "even number", "got 3", "[1, 2, 3]");
    }

    [Fact]
    public void Pad_MorePairsThanDimensions_ThrowsWithExpectedAndActual()
    {
        Action act = () => F.Pad(new Tensor(2, 3), [1, 1, 1, 1, 1, 1]);

        act.ShouldThrowNaming<ArgumentException>("Functional.Pad", "at most 4", "[2, 3]", "got 6");
    }

    [Fact]
    public void Pad_Negative_ThrowsNamingTheEntry()
    {
        Action act = () => F.Pad(new Tensor(2, 3), [0, -1]);

        act.ShouldThrowNaming<ArgumentException>("Functional.Pad", "non-negative", "-1 at index 1");
    }
}
