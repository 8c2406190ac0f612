using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// The common part of <see cref="Softmax"/>, <see cref="LogSoftmax"/> and <see cref="Softmin"/>: a normalisation along
/// one dimension (negative counts from the end), numerically stable, parallel over the outer dimensions.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public abstract class SoftmaxLayer : Layer
{
    private Tensor? _output;

    /// <summary>Only the library's layers derive from this class.</summary>
    private protected SoftmaxLayer(int dim) => Dim = dim;

    /// <summary>The dimension normalised over, as given (negative counts from the end).</summary>
    public int Dim { get; }

    /// <summary>Whether the layer is log-softmax.</summary>
    private protected abstract bool IsLog { get; }

    /// <summary>Whether the layer negates its input first (softmin).</summary>
    private protected virtual bool Negates => false;

    /// <inheritdoc/>
    public sealed override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.Positive(inputShape, this);
        DimArithmetic.Resolve(Dim, inputShape.Length, this);
        return inputShape.ToArray();
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
    protected sealed override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        GetOutputShape(input.Shape);
        Tensor output = OutputTensor(input.Shape);
        (int outer, int size, int inner) = DimArithmetic.Split(input.Shape, DimArithmetic.Resolve(Dim, input.Rank, this));
        float[] x = input.Data, y = output.Data;
        if (Negates)
        {
            // softmin(x) = softmax(−x): negate into a scratch copy, then normalise it.
            x = new float[x.Length];
            System.Numerics.Tensors.TensorPrimitives.Negate(input.AsSpan(), x);
        }

        Parallelism.ForRanges(outer, RowsPerRange(size, inner), (start, count) =>
            SoftmaxKernel.Forward(x.AsSpan(start * size * inner, count * size * inner), y.AsSpan(start * size * inner, count * size * inner), count, size, inner, IsLog));
        if (KeepsForBackward)
        {
            _output = output;
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>outputGradient [any shape] → input gradient [same shape]</c>: softmax dX = y ⊙ (dY − Σ dY ⊙ y), log-softmax
    /// dX = dY − e^y ⊙ Σ dY, softmin the negated softmax gradient; sums along the dimension.
    /// </remarks>
    public sealed override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_output, outputGradient, _output is null ? default : _output.Shape);
        Tensor inputGradient = InputGradientTensor(_output.Shape);
        (int outer, int size, int inner) = DimArithmetic.Split(_output.Shape, DimArithmetic.Resolve(Dim, _output.Rank, this));
        float[] y = _output.Data, dy = outputGradient.Data, dx = inputGradient.Data;
        Parallelism.ForRanges(outer, RowsPerRange(size, inner), (start, count) =>
        {
            Span<float> dxRange = dx.AsSpan(start * size * inner, count * size * inner);
            SoftmaxKernel.Backward(y.AsSpan(start * size * inner, count * size * inner), dy.AsSpan(start * size * inner, count * size * inner), dxRange, count, size, inner, IsLog);
            if (Negates)
            {
                System.Numerics.Tensors.TensorPrimitives.Negate(dxRange, dxRange);
            }
        });
        return inputGradient;
    }

    /// <summary>Outer indices per parallel range: about <see cref="Parallelism.ElementwiseRange"/> elements each.</summary>
    private static int RowsPerRange(int size, int inner) => Math.Max(1, Parallelism.ElementwiseRange / Math.Max(1, size * inner));
}
