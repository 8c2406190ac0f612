namespace LeNet.Kernels;

/// <summary>
/// The per-chunk buffers of <see cref="Conv2dBackwardKernel"/>, owned by one layer and reused from step to
/// step, so training allocates nothing in steady state. Grows, never shrinks.
/// </summary>
internal sealed class ConvBackwardWorkspace
{
    public float[][] WeightGrad { get; private set; } = [];

    public float[][] BiasGrad { get; private set; } = [];

    public float[][] Columns { get; private set; } = [];

    public float[][] ColumnGrad { get; private set; } = [];

    public void Ensure(int chunks, int weightLength, int biasLength, int columnLength)
    {
        if (WeightGrad.Length >= chunks && (chunks == 0 || (WeightGrad[0].Length == weightLength && Columns[0].Length == columnLength)))
        {
            return;
        }

        WeightGrad = Allocate(chunks, weightLength);
        BiasGrad = Allocate(chunks, biasLength);
        Columns = Allocate(chunks, columnLength);
        ColumnGrad = Allocate(chunks, columnLength);
    }

    private static float[][] Allocate(int chunks, int length)
    {
        var buffers = new float[chunks][];
        for (int i = 0; i < chunks; i++)
        {
            buffers[i] = new float[length];
        }

        return buffers;
    }
}
