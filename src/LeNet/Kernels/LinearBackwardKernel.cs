using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Linear's backward pass over row-major arrays: input [N, In], weight [Out, In], outGrad [N, Out] →
/// inGrad [N, In] (optional, overwritten), weightGrad [Out, In] and biasGrad [Out] (optional), accumulated.
/// </summary>
/// <remarks>
/// Threads split the work by output rows (whole rows of dX, whole rows of dW), so every element is summed
/// by one thread in a fixed order: bit-identical whatever the thread count, and no reduction buffers.
/// </remarks>
internal static class LinearBackwardKernel
{
    private const int RowsPerChunk = 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(float[] input, float[] weight, float[] outGrad, float[]? inGrad, float[] weightGrad, float[]? biasGrad, int rows, int inFeatures, int outFeatures)
    {
        Debug.Assert(input.Length == rows * inFeatures && outGrad.Length == rows * outFeatures && weightGrad.Length == weight.Length);
        if (inGrad is not null)
        {
            // dX[n, i] = Σ_o dY[n, o] · W[o, i]   (forward: Y[n, o] = Σ_i X[n, i] · W[o, i] + b[o])
            Parallelism.For((rows + RowsPerChunk - 1) / RowsPerChunk, chunk =>
            {
                int first = chunk * RowsPerChunk;
                int count = Math.Min(RowsPerChunk, rows - first);
                Span<float> dx = inGrad.AsSpan(first * inFeatures, count * inFeatures);
                Gemm.AddProducts(outGrad.AsSpan(first * outFeatures), outFeatures, 1, weight, dx, count, outFeatures, inFeatures, accumulate: false);
            });
        }

        // dW[o, i] += Σ_n dY[n, o] · X[n, i]: A = dYᵀ read in place (row stride 1, column stride Out).
        Parallelism.For((outFeatures + RowsPerChunk - 1) / RowsPerChunk, chunk =>
        {
            int first = chunk * RowsPerChunk;
            int count = Math.Min(RowsPerChunk, outFeatures - first);
            Gemm.AddProducts(outGrad.AsSpan(first), 1, outFeatures, input, weightGrad.AsSpan(first * inFeatures, count * inFeatures), count, rows, inFeatures);
        });

        if (biasGrad is not null)
        {
            for (int n = 0; n < rows; n++)
            {
                for (int o = 0; o < outFeatures; o++)
                {
                    biasGrad[o] += outGrad[(n * outFeatures) + o];
                }
            }
        }
    }
}
