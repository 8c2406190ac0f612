using System.Diagnostics;
using System.Numerics.Tensors;

namespace LeNet.Kernels;

/// <summary>
/// Layer normalization over arrays laid out [rows, D]: each row of D contiguous values is normalized by its own
/// mean and biased variance, <c>y = (x − mean) / √(var + eps) · gamma + beta</c> with gamma, beta of length D.
/// Element-wise work is <see cref="TensorPrimitives"/> along the row. Rows are split into blocks whose boundaries
/// depend only on the sizes, one block per task, and the parameter gradients are summed block by block in block
/// order, so results do not depend on the thread count.
/// </summary>
internal static class LayerNormKernel
{
    /// <summary>Rows are grouped into blocks of about this many elements (at least one row).</summary>
    private const int BlockElements = 16 * 1024;

    /// <summary>Below this many elements everything runs on the calling thread.</summary>
    private const int ParallelThreshold = 32 * 1024;

    /// <summary>
    /// Per row: mean and biased variance in two passes (the row's float mean a, then Σ(x − a) and Σ(x − a)² combined in
    /// double: mean = a + δ with δ = Σ(x − a) / D, var = (Σ(x − a)² − (Σ(x − a))² / D) / D), rstd = 1/√(var + eps), and
    /// y = ((x − a) − δ) · rstd, then · gamma and + beta where given. x, y are [rows, D]; center (a), correction (δ) and
    /// rstd are [rows], written: the mean is a + δ.
    /// </summary>
    /// <remarks>
    /// x − a is exact for values within a factor 2 of a (Sterbenz), and δ is small, so a row far from zero with a
    /// small spread (1000 ± 0.001) normalizes to its float precision, where rounding the mean itself to float would
    /// lose half the spread's digits.
    /// </remarks>
    public static void Forward(float[] x, float[] y, int rows, int size, float[]? gamma, float[]? beta, float eps, float[] center, float[] correction, float[] rstd)
    {
        Debug.Assert(x.Length == rows * size && y.Length == x.Length && center.Length == rows && correction.Length == rows && rstd.Length == rows);
        Debug.Assert(gamma is null || gamma.Length == size);
        Debug.Assert(beta is null || beta.Length == size);
        ForBlocks(rows, size, (first, count) =>
        {
            for (int r = first; r < first + count; r++)
            {
                ReadOnlySpan<float> row = x.AsSpan(r * size, size);
                Span<float> output = y.AsSpan(r * size, size);

                // The output row holds x − a from here on.
                float a = TensorPrimitives.Sum(row) / size;
                TensorPrimitives.Subtract(row, a, output);
                double residual = TensorPrimitives.Sum(output), squares = TensorPrimitives.SumOfSquares(output);
                float delta = (float)(residual / size);
                double variance = Math.Max(0, (squares - (residual * residual / size)) / size);
                float inv = (float)(1.0 / Math.Sqrt(variance + eps));
                (center[r], correction[r], rstd[r]) = (a, delta, inv);

                TensorPrimitives.Subtract(output, delta, output);
                TensorPrimitives.Multiply(output, inv, output);
                if (gamma is not null)
                {
                    TensorPrimitives.Multiply(output, gamma, output);
                }

                if (beta is not null)
                {
                    TensorPrimitives.Add(output, beta, output);
                }
            }
        });
    }

    /// <summary>
    /// The backward pass. With xhat = ((x − a) − δ) · rstd recomputed from the forward's input and statistics and
    /// g = dy · gamma (dy when gamma is null), per row: dx = rstd · (g − Σg / D − xhat · Σ(g · xhat) / D)
    /// (overwritten, when <paramref name="dx"/> is given); over all rows: gammaGrad += Σ dy · xhat and
    /// betaGrad += Σ dy (accumulated, when given).
    /// </summary>
    public static void Backward(
        float[] dy, float[] x, float[]? dx, int rows, int size, float[]? gamma, float[] center, float[] correction, float[] rstd, float[]? gammaGrad, float[]? betaGrad)
    {
        Debug.Assert(dy.Length == rows * size && x.Length == dy.Length && (dx is null || dx.Length == dy.Length));
        int rowsPerBlock = RowsPerBlock(size);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;

        // One partial sum per block and parameter, combined in block order below.
        float[][]? gammaParts = gammaGrad is null ? null : new float[blocks][];
        float[][]? betaParts = betaGrad is null ? null : new float[blocks][];
        ForBlocks(rows, size, (first, count) =>
        {
            int block = first / rowsPerBlock;
            var xhat = new float[size];
            var g = new float[size];
            float[]? gammaPart = gammaParts is null ? null : gammaParts[block] = new float[size];
            float[]? betaPart = betaParts is null ? null : betaParts[block] = new float[size];
            for (int r = first; r < first + count; r++)
            {
                ReadOnlySpan<float> gradient = dy.AsSpan(r * size, size);
                TensorPrimitives.Subtract(x.AsSpan(r * size, size), center[r], xhat);
                TensorPrimitives.Subtract(xhat, correction[r], xhat);
                TensorPrimitives.Multiply(xhat, rstd[r], xhat);
                if (gammaPart is not null)
                {
                    TensorPrimitives.MultiplyAdd(gradient, xhat, gammaPart, gammaPart);
                }

                if (betaPart is not null)
                {
                    TensorPrimitives.Add(betaPart, gradient, betaPart);
                }

                if (dx is null)
                {
                    continue;
                }

                if (gamma is null)
                {
                    gradient.CopyTo(g);
                }
                else
                {
                    TensorPrimitives.Multiply(gradient, gamma, g);
                }

                // dx = rstd · g − (rstd · Σg / D) − xhat · (rstd · Σ(g·xhat) / D).
                double sumG = TensorPrimitives.Sum(g), sumGXhat = TensorPrimitives.Dot(g, xhat);
                float k = rstd[r];
                float shift = (float)(-k * sumG / size), slope = (float)(-k * sumGXhat / size);
                Span<float> output = dx.AsSpan(r * size, size);
                TensorPrimitives.Multiply(g, k, output);
                TensorPrimitives.MultiplyAdd(xhat, slope, output, output);
                TensorPrimitives.Add(output, shift, output);
            }
        });

        for (int b = 0; b < blocks; b++)
        {
            if (gammaGrad is not null)
            {
                TensorPrimitives.Add(gammaGrad, gammaParts![b], gammaGrad);
            }

            if (betaGrad is not null)
            {
                TensorPrimitives.Add(betaGrad, betaParts![b], betaGrad);
            }
        }
    }

    private static int RowsPerBlock(int size) => Math.Max(1, BlockElements / size);

    /// <summary>Runs <paramref name="body"/>(first row, row count) over the blocks, on several threads when the array is large.</summary>
    private static void ForBlocks(int rows, int size, Action<int, int> body)
    {
        int rowsPerBlock = RowsPerBlock(size);
        int blocks = (rows + rowsPerBlock - 1) / rowsPerBlock;
        void Block(int b) => body(b * rowsPerBlock, Math.Min(rowsPerBlock, rows - (b * rowsPerBlock)));
        if ((long)rows * size < ParallelThreshold)
        {
            for (int b = 0; b < blocks; b++)
            {
                Block(b);
            }
        }
        else
        {
            Parallelism.For(blocks, Block);
        }
    }
}
