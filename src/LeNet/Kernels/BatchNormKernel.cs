using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace LeNet.Kernels;

/// <summary>
/// Batch normalization over arrays laid out [N, C, L] (L = H·W for images, 1 for [N, C] features):
/// per channel c, the N runs of L contiguous values x[n, c, ·]. Every per-channel reduction is done by
/// one thread, plane by plane in n order, so results do not depend on the thread count. The element
/// work is <see cref="TensorPrimitives"/> over each run (vectorized along L).
/// </summary>
internal static class BatchNormKernel
{
    /// <summary>Below this many elements the channels run on the calling thread.</summary>
    private const int ParallelThreshold = 32 * 1024;

    /// <summary>
    /// Training-mode statistics and normalization: per channel, mean = Σx / M and the biased variance
    /// var = Σ(x − mean)² / M over M = N·L values; xhat = (x − mean) / √(var + eps);
    /// y = xhat · gamma + beta (gamma, beta null: y = xhat). x, y, xhat are [N, C, L]; mean, variance
    /// (biased) and invStd = 1/√(var + eps) are [C], written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainForward(
        float[] x, float[] y, float[] xhat, int batch, int channels, int length, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd)
    {
        Debug.Assert(x.Length == batch * channels * length && y.Length == x.Length && xhat.Length == x.Length);
        if (length == 1)
        {
            TrainForwardRows(x, y, xhat, batch, channels, gamma, beta, eps, mean, variance, invStd);
            return;
        }

        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, x.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c) =>
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
            {
                sum += TensorPrimitives.Sum(x.AsSpan((n * stride) + (c * length), length));
            }

            float m = (float)(sum / count);
            double squares = 0;
            for (int n = 0; n < batch; n++)
            {
                Span<float> centered = xhat.AsSpan((n * stride) + (c * length), length);
                TensorPrimitives.Subtract(x.AsSpan((n * stride) + (c * length), length), m, centered);
                squares += TensorPrimitives.SumOfSquares(centered);
            }

            double v = squares / count;
            float inv = (float)(1.0 / Math.Sqrt(v + eps));
            float scale = gamma is null ? 1f : gamma[c], shift = beta is null ? 0f : beta[c];
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                Span<float> normalized = xhat.AsSpan(start, length);
                TensorPrimitives.Multiply(normalized, inv, normalized);
                TensorPrimitives.Multiply(normalized, scale, y.AsSpan(start, length));
                TensorPrimitives.Add(y.AsSpan(start, length), shift, y.AsSpan(start, length));
            }

            (mean[c], variance[c], invStd[c]) = (m, (float)v, inv);
        });
    }

    /// <summary>y[n, c, ·] = x[n, c, ·] · scale[c] + shift[c] (evaluation mode, the running statistics folded in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Affine(float[] x, float[] y, int batch, int channels, int length, float[] scale, float[] shift)
    {
        Debug.Assert(x.Length == batch * channels * length && y.Length == x.Length);
        if (length == 1)
        {
            // [N, C]: one row of C features per sample, vectorized along the row.
            for (int n = 0; n < batch; n++)
            {
                TensorPrimitives.MultiplyAdd(x.AsSpan(n * channels, channels), scale, shift, y.AsSpan(n * channels, channels));
            }

            return;
        }

        int stride = channels * length;
        ForChannels(channels, x.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c) =>
        {
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                TensorPrimitives.Multiply(x.AsSpan(start, length), scale[c], y.AsSpan(start, length));
                TensorPrimitives.Add(y.AsSpan(start, length), shift[c], y.AsSpan(start, length));
            }
        });
    }

    /// <summary>
    /// The training-mode backward pass (batch statistics depend on x). With g = gamma (1 when empty),
    /// per channel: dbeta += Σ dy, dgamma += Σ dy·xhat, and
    /// dx = g · invStd · (dy − Σdy / M − xhat · Σ(dy·xhat) / M) (overwritten).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainBackward(
        float[] outGrad, float[] xhat, float[]? inGrad, int batch, int channels, int length, float[]? gamma, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad)
    {
        Debug.Assert(outGrad.Length == batch * channels * length && xhat.Length == outGrad.Length);
        if (length == 1)
        {
            TrainBackwardRows(outGrad, xhat, inGrad, batch, channels, gamma, invStd, gammaGrad, betaGrad);
            return;
        }

        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, outGrad.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c) =>
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                sumDy += TensorPrimitives.Sum(outGrad.AsSpan(start, length));
                sumDyXhat += TensorPrimitives.Dot(outGrad.AsSpan(start, length), xhat.AsSpan(start, length));
            }

            if (gammaGrad is not null)
            {
                gammaGrad[c] += (float)sumDyXhat;
            }

            if (betaGrad is not null)
            {
                betaGrad[c] += (float)sumDy;
            }

            if (inGrad is null)
            {
                return;
            }

            // dx = k · dy − k·meanDyXhat · xhat − k·meanDy, with k = g · invStd.
            float k = (gamma is null ? 1f : gamma[c]) * invStd[c];
            float meanDy = (float)(sumDy / count), meanDyXhat = (float)(sumDyXhat / count);
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                Span<float> dx = inGrad.AsSpan(start, length);
                TensorPrimitives.MultiplyAdd(xhat.AsSpan(start, length), -meanDyXhat, outGrad.AsSpan(start, length), dx);
                TensorPrimitives.Multiply(dx, k, dx);
                TensorPrimitives.Add(dx, -k * meanDy, dx);
            }
        });
    }

    /// <summary>
    /// <see cref="TrainForward"/> for [N, C] (L = 1): the statistics accumulate row by row, vectorized over
    /// the C channels (a per-channel loop would make one call per element). One thread, fixed order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainForwardRows(
        float[] x, float[] y, float[] xhat, int batch, int channels, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd)
    {
        Span<float> sum = mean.AsSpan(0, channels);
        sum.Clear();
        for (int n = 0; n < batch; n++)
        {
            TensorPrimitives.Add(sum, x.AsSpan(n * channels, channels), sum);
        }

        TensorPrimitives.Multiply(sum, 1f / batch, sum);
        Span<float> squares = variance.AsSpan(0, channels);
        squares.Clear();
        for (int n = 0; n < batch; n++)
        {
            Span<float> centered = xhat.AsSpan(n * channels, channels);
            TensorPrimitives.Subtract(x.AsSpan(n * channels, channels), mean, centered);
            TensorPrimitives.MultiplyAdd(centered, centered, squares, squares);
        }

        TensorPrimitives.Multiply(squares, 1f / batch, squares);
        for (int c = 0; c < channels; c++)
        {
            invStd[c] = (float)(1.0 / Math.Sqrt(variance[c] + eps));
        }

        for (int n = 0; n < batch; n++)
        {
            Span<float> normalized = xhat.AsSpan(n * channels, channels);
            Span<float> output = y.AsSpan(n * channels, channels);
            TensorPrimitives.Multiply(normalized, invStd, normalized);
            if (gamma is null)
            {
                normalized.CopyTo(output);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(normalized, gamma, beta!, output);
            }
        }
    }

    /// <summary><see cref="TrainBackward"/> for [N, C] (L = 1), row by row, vectorized over the C channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainBackwardRows(
        float[] outGrad, float[] xhat, float[]? inGrad, int batch, int channels, float[]? gamma, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad)
    {
        var sumDy = new float[channels];
        var sumDyXhat = new float[channels];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> dy = outGrad.AsSpan(n * channels, channels);
            TensorPrimitives.Add(sumDy, dy, sumDy);
            TensorPrimitives.MultiplyAdd(dy, xhat.AsSpan(n * channels, channels), sumDyXhat, sumDyXhat);
        }

        if (gammaGrad is not null)
        {
            TensorPrimitives.Add(gammaGrad, sumDyXhat, gammaGrad);
        }

        if (betaGrad is not null)
        {
            TensorPrimitives.Add(betaGrad, sumDy, betaGrad);
        }

        if (inGrad is null)
        {
            return;
        }

        // dx = k · dy − k·meanDyXhat · xhat − k·meanDy, with k = g · invStd, per channel.
        var k = new float[channels];
        var a = new float[channels];
        var b = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            k[c] = (gamma is null ? 1f : gamma[c]) * invStd[c];
            a[c] = -k[c] * (sumDyXhat[c] / batch);
            b[c] = -k[c] * (sumDy[c] / batch);
        }

        for (int n = 0; n < batch; n++)
        {
            Span<float> dx = inGrad.AsSpan(n * channels, channels);
            TensorPrimitives.Multiply(outGrad.AsSpan(n * channels, channels), k, dx);
            TensorPrimitives.MultiplyAdd(xhat.AsSpan(n * channels, channels), a, dx, dx);
            TensorPrimitives.Add(dx, b, dx);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForChannels(int channels, int elements, Action<int> body)
    {
        if (elements < ParallelThreshold)
        {
            for (int c = 0; c < channels; c++)
            {
                body(c);
            }
        }
        else
        {
            Parallelism.For(channels, body);
        }
    }
}
