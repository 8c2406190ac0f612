using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Softmax and log-softmax along one dimension of a contiguous tensor seen as [outer, size, inner], forward and
/// backward. Numerically stable: the maximum along the dimension is subtracted before exponentiating, and
/// log-softmax is x − max − log Σ e^(x − max). When inner is 1 each row is contiguous and one TensorPrimitives call
/// does each step over it; otherwise the steps run over whole rows of `inner` values at once (vectorized across
/// the inner positions, the reduced dimension walked one row at a time).
/// </summary>
internal static class SoftmaxKernel
{
    /// <summary>y = softmax(x) (or log-softmax) along the middle dimension of [outer, size, inner]; y may not alias x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int outer, int size, int inner, bool log)
    {
        Debug.Assert(x.Length == outer * size * inner && y.Length == x.Length);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> row = x.Slice(o * size, size);
                Span<float> yRow = y.Slice(o * size, size);
                float max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, yRow);
                TensorPrimitives.Exp(yRow, yRow);
                float sum = TensorPrimitives.Sum(yRow);
                if (log)
                {
                    TensorPrimitives.Subtract(row, max + MathF.Log(sum), yRow);
                }
                else
                {
                    TensorPrimitives.Divide(yRow, sum, yRow);
                }
            }

            return;
        }

        float[] maxima = new float[inner], sums = new float[inner];
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> block = x.Slice(o * size * inner, size * inner);
            Span<float> yBlock = y.Slice(o * size * inner, size * inner);
            block[..inner].CopyTo(maxima);
            for (int d = 1; d < size; d++)
            {
                TensorPrimitives.Max(maxima, block.Slice(d * inner, inner), maxima);
            }

            Array.Clear(sums);
            for (int d = 0; d < size; d++)
            {
                Span<float> yRow = yBlock.Slice(d * inner, inner);
                TensorPrimitives.Subtract(block.Slice(d * inner, inner), maxima, yRow);
                TensorPrimitives.Exp(yRow, yRow);
                TensorPrimitives.Add(sums, yRow, sums);
            }

            if (log)
            {
                // max + log Σ, then y = x − (max + log Σ).
                TensorPrimitives.Log(sums, sums);
                TensorPrimitives.Add(sums, maxima, sums);
            }

            for (int d = 0; d < size; d++)
            {
                Span<float> yRow = yBlock.Slice(d * inner, inner);
                if (log)
                {
                    TensorPrimitives.Subtract(block.Slice(d * inner, inner), sums, yRow);
                }
                else
                {
                    TensorPrimitives.Divide(yRow, sums, yRow);
                }
            }
        }
    }

    /// <summary>
    /// dx from the forward's output y and dy: softmax dx = y ⊙ (dy − Σ dy ⊙ y); log-softmax dx = dy − e^y ⊙ Σ dy
    /// (sums along the middle dimension of [outer, size, inner]).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int outer, int size, int inner, bool log)
    {
        Debug.Assert(y.Length == outer * size * inner && dy.Length == y.Length && dx.Length == y.Length);
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                ReadOnlySpan<float> yRow = y.Slice(o * size, size), dyRow = dy.Slice(o * size, size);
                Span<float> dxRow = dx.Slice(o * size, size);
                if (log)
                {
                    float sum = TensorPrimitives.Sum(dyRow);
                    TensorPrimitives.Exp(yRow, dxRow);
                    TensorPrimitives.MultiplyAdd(dxRow, -sum, dyRow, dxRow);
                }
                else
                {
                    float dot = TensorPrimitives.Dot(dyRow, yRow);
                    TensorPrimitives.Subtract(dyRow, dot, dxRow);
                    TensorPrimitives.Multiply(dxRow, yRow, dxRow);
                }
            }

            return;
        }

        float[] sums = new float[inner];
        for (int o = 0; o < outer; o++)
        {
            ReadOnlySpan<float> yBlock = y.Slice(o * size * inner, size * inner), dyBlock = dy.Slice(o * size * inner, size * inner);
            Span<float> dxBlock = dx.Slice(o * size * inner, size * inner);
            Array.Clear(sums);
            for (int d = 0; d < size; d++)
            {
                if (log)
                {
                    TensorPrimitives.Add(sums, dyBlock.Slice(d * inner, inner), sums);
                }
                else
                {
                    TensorPrimitives.MultiplyAdd(dyBlock.Slice(d * inner, inner), yBlock.Slice(d * inner, inner), sums, sums);
                }
            }

            for (int d = 0; d < size; d++)
            {
                ReadOnlySpan<float> yRow = yBlock.Slice(d * inner, inner), dyRow = dyBlock.Slice(d * inner, inner);
                Span<float> dxRow = dxBlock.Slice(d * inner, inner);
                if (log)
                {
                    TensorPrimitives.Exp(yRow, dxRow);
                    TensorPrimitives.Multiply(dxRow, sums, dxRow);
                    TensorPrimitives.Subtract(dyRow, dxRow, dxRow);
                }
                else
                {
                    TensorPrimitives.Subtract(dyRow, sums, dxRow);
                    TensorPrimitives.Multiply(dxRow, yRow, dxRow);
                }
            }
        }
    }
}
