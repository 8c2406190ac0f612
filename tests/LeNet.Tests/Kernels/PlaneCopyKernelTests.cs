using LeNet.Kernels;

namespace LeNet.Tests.Kernels;

/// <summary>
/// <see cref="PlaneCopyKernel"/> against a naive triple loop: every row width from 1 to 40 (scalar, 128-, 256- and
/// 512-bit vectors, each with an overlapping last vector), strided rows and planes on both sides, nothing written
/// outside the rows; layouts without gaps (one copy); its bounds checks. CI reruns the kernel tests with AVX-512 and with all intrinsics disabled,
/// which changes the vectors the copy picks.
/// </summary>
public class PlaneCopyKernelTests
{
    public static TheoryData<int> Widths => [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Widths))]
    public void Planes_AnyRowWidth_CopiesEveryRowAndNothingElse(int width)
    {
        // 3 planes of 5 rows: the source rows width + 3 apart, the destination's width + 2 (a pad-1 map's interior).
        int planes = 3, height = 5;
        int sourceRow = width + 3, sourcePlane = (height * sourceRow) + 4;
        int destinationRow = width + 2, destinationPlane = (height + 2) * destinationRow;
        var random = new Random(width);
        float[] source = KernelData.Uniform(random, planes * sourcePlane);
        float[] destination = [.. Enumerable.Repeat(-3.5f, (planes * destinationPlane) + 7)];
        float[] expected = [.. destination];
        int at = destinationRow + 1;
        for (int p = 0; p < planes; p++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    expected[at + (p * destinationPlane) + (y * destinationRow) + x] = source[(p * sourcePlane) + (y * sourceRow) + x];
                }
            }
        }

        PlaneCopyKernel.Planes(source, sourceRow, sourcePlane, destination.AsSpan(at), destinationRow, destinationPlane, planes, height, width);

        destination.Should().Equal(expected);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    public void Planes_NoGaps_CopiesThePlanesAndNothingPast(int width)
    {
        // Rows width apart and planes height·width apart on both sides (an unpadded map): the planes, then the sentinel.
        int planes = 3, height = 4, floats = planes * height * width;
        float[] source = KernelData.Uniform(new Random(width), floats + 5);
        float[] destination = [.. Enumerable.Repeat(-3.5f, floats + 5)];

        PlaneCopyKernel.Planes(source, width, height * width, destination, width, height * width, planes, height, width);

        destination[..floats].Should().Equal(source[..floats]);
        destination[floats..].Should().AllBeEquivalentTo(-3.5f, "nothing past the last plane is written");
    }

    [Fact]
    public void Planes_SpanTooShort_Throws()
    {
        float[] source = new float[2 * 3 * 8], destination = new float[(2 * 3 * 8) - 1];

        Action shortDestination = () => PlaneCopyKernel.Planes(source, 8, 24, destination, 8, 24, 2, 3, 8);
        Action shortSource = () => PlaneCopyKernel.Planes(source.AsSpan(1), 8, 24, new float[48], 8, 24, 2, 3, 8);

        shortDestination.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("destination");
        shortSource.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("source");
    }

    [Fact]
    public void Planes_Nothing_WritesNothing()
    {
        float[] destination = [1, 2, 3];

        PlaneCopyKernel.Planes([], 0, 0, destination, 0, 0, 0, 4, 4);

        destination.Should().Equal(1, 2, 3);
    }
}
