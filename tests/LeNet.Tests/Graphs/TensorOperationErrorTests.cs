namespace LeNet.Tests.Graphs;

/// <summary>Shapes that do not fit an operation: an ArgumentException naming the operation, what was expected and what came.</summary>
public class TensorOperationErrorTests
{
    [Fact]
    public void Add_ShapesThatDoNotBroadcast_NameBothAndTheDimension()
    {
        Action act = () => _ = new Tensor(2, 3) + new Tensor(4);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Add: shapes [2, 3] and [4] do not broadcast: the size of dimension -1 is 3 and 4; each must match or be 1.");
    }

    [Fact]
    public void Multiply_ChannelGateOfTheWrongWidth_Throws()
    {
        Action act = () => _ = new Tensor(1, 8, 4, 4) * new Tensor(1, 6, 1, 1);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Multiply: shapes [1, 8, 4, 4] and [1, 6, 1, 1] do not broadcast: the size of dimension -3 is 8 and 6*");
    }

    [Fact]
    public void Cat_AnotherDimensionDiffers_NamesTheTensorAndBothShapes()
    {
        Action act = () => Tensor.Cat([new Tensor(2, 3, 4), new Tensor(2, 5, 5)], dim: 1);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Cat: tensor 1 has shape [2, 5, 5], expected [2, 3, 4] except in dimension 1*");
    }

    [Fact]
    public void Cat_NoTensors_Throws()
    {
        Action act = () => Tensor.Cat([], dim: 0);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Cat: expected a non-empty list of tensors.*");
    }

    [Fact]
    public void Split_SizesThatDoNotAddUp_NameTheDimensionsSize()
    {
        Action act = () => new Tensor(2, 6).Split([2, 2], dim: 1);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Split: the sizes [2, 2] must be non-negative and add up to 6, the size of dimension 1 of [2, 6].*");
    }

    [Fact]
    public void Permute_RepeatedOrMissingDimension_Throws()
    {
        Action repeated = () => new Tensor(2, 3, 4).Permute(0, 1, 1);
        Action missing = () => new Tensor(2, 3, 4).Permute(0, 1);

        repeated.Should().Throw<ArgumentException>().WithMessage("Tensor.Permute: [0, 1, 1] repeats a dimension.*");
        missing.Should().Throw<ArgumentException>().WithMessage("Tensor.Permute: expected 3 dimensions for shape [2, 3, 4], got 2.*");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-4)]
    public void Mean_DimensionOutOfRange_NamesTheRange(int dim)
    {
        Action act = () => new Tensor(2, 3, 4).Mean([dim]);

        act.Should().Throw<ArgumentException>().WithMessage($"Tensor.Mean: dimension {dim} is out of range for a tensor of rank 3 (expected -3 … 2).*");
    }

    [Fact]
    public void Chunk_ZeroChunks_Throws()
    {
        Action act = () => new Tensor(2, 4).Chunk(0, dim: 1);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Chunk: chunks must be at least 1, got 0.*");
    }

    [Fact]
    public void Flatten_StartAfterEnd_Throws()
    {
        Action act = () => new Tensor(2, 3, 4).Flatten(2, 1);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Flatten: start dimension 2 comes after end dimension 1 for rank 3.*");
    }

    [Fact]
    public void Operations_OutsideAModule_ComputeWithoutRecording()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var b = Tensor.FromArray([10f, 20f, 30f], 3);

        (a + b).ToArray().Should().Equal(11f, 22f, 33f, 14f, 25f, 36f);
        (a * 2f - 1f).ToArray().Should().Equal(1f, 3f, 5f, 7f, 9f, 11f);
        (6f / a).ToArray().Should().Equal(6f, 3f, 2f, 1.5f, 1.2f, 1f);
        a.Transpose(0, 1).ToArray().Should().Equal(1f, 4f, 2f, 5f, 3f, 6f);
        a.Sum([0]).ToArray().Should().Equal(5f, 7f, 9f);
        a.Mean([1], keepDim: true).Shape.ToArray().Should().Equal(2, 1);
        a.Chunk(2, dim: 1).Select(t => t.Shape[1]).Should().Equal(2, 1);
    }

    [Fact]
    public void Sum_EmptyDimensionList_ReducesEverythingAsPyTorch()
    {
        var a = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);

        a.Sum([]).ToArray().Should().Equal(21f);
        a.Mean([], keepDim: true).Shape.ToArray().Should().Equal(1, 1);
    }

    [Fact]
    public void Mean_ADimensionListedTwice_ThrowsNamingIt()
    {
        Action act = () => new Tensor(2, 3, 4).Mean([1, -2]);

        act.Should().Throw<ArgumentException>().WithMessage("Tensor.Mean: dimension 1 appears more than once in [1, -2].*");
    }
}
