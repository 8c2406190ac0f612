namespace LeNet.Tests;

public class TensorTests
{
    [Fact]
    public void Constructor_Shape_IsZeroFilledWithThatShape()
    {
        var t = new Tensor(2, 3, 4);

        t.Shape.ToArray().Should().Equal(2, 3, 4);
        t.Rank.Should().Be(3);
        t.Length.Should().Be(24);
        t.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void Constructor_NegativeDimension_Throws()
    {
        Action act = () => _ = new Tensor(2, -1);

        act.Should().Throw<ArgumentException>().WithMessage("*[2, -1]*negative*");
    }

    [Fact]
    public void FromArray_LengthMismatch_ThrowsNamingBoth()
    {
        Action act = () => Tensor.FromArray(new float[5], 2, 3);

        act.Should().Throw<ArgumentException>().WithMessage("*[2, 3]*6 elements*5*");
    }

    [Fact]
    public void FromArray_WrapsTheArrayWithoutCopying()
    {
        float[] data = [1, 2, 3, 4, 5, 6];
        var t = Tensor.FromArray(data, 2, 3);

        data[4] = 42;

        t[1, 1].Should().Be(42);
    }

    [Fact]
    public void Indexer_RowMajor_ReadsAndWrites()
    {
        var t = Tensor.FromArray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 2, 2, 3);

        t[1, 0, 2].Should().Be(8);
        t[0, 1, 1] = -1;
        t.AsSpan()[4].Should().Be(-1);
    }

    [Theory]
    [InlineData(new[] { 2, 0, 0 })]
    [InlineData(new[] { 0, -1, 0 })]
    [InlineData(new[] { 0, 0, 3 })]
    public void Indexer_OutOfRange_Throws(int[] index)
    {
        var t = new Tensor(2, 2, 3);

        Action act = () => _ = t[index];

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Indexer_WrongNumberOfCoordinates_Throws()
    {
        var t = new Tensor(2, 3);

        Action act = () => _ = t[1];

        act.Should().Throw<ArgumentException>().WithMessage("*1 coordinates*expected 2*");
    }

    [Fact]
    public void Reshape_InfersMinusOne_AndSharesStorage()
    {
        var t = new Tensor(2, 3, 4);

        Tensor view = t.Reshape(4, -1);
        view[3, 5] = 7;

        view.Shape.ToArray().Should().Equal(4, 6);
        t[1, 2, 3].Should().Be(7);
    }

    [Theory]
    [InlineData(new[] { 5, -1 })]
    [InlineData(new[] { -1, -1 })]
    [InlineData(new[] { 7 })]
    [InlineData(new[] { 3, -2 })]
    public void Reshape_Incompatible_Throws(int[] shape)
    {
        var t = new Tensor(2, 3);

        Action act = () => t.Reshape(shape);

        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void ToArray_ReturnsACopy()
    {
        var t = Tensor.FromArray([1, 2], 2);

        float[] copy = t.ToArray();
        copy[0] = 9;

        t[0].Should().Be(1);
    }

    [Fact]
    public void FormatShape_PrintsLikeTorchSize()
    {
        Tensor.FormatShape([1, 6, 28, 28]).Should().Be("[1, 6, 28, 28]");
        new Tensor(1, 10).ToString().Should().Be("Tensor[1, 10]");
    }
}
