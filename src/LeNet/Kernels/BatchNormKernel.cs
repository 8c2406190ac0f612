using System.Diagnostics;
using System.Numerics.Tensors;

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
    public static void TrainForward(
        float[] x, float[] y, float[] xhat, int batch, int channels, int length, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd)
    {
        Debug.Assert(x.Length == batch * channels * length && y.Length == x.Length && xhat.Length == x.Length);
        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, x.Length, c =>
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
    public static void Affine(float[] x, float[] y, int batch, int channels, int length, float[] scale, float[] shift)
    {
        Debug.Assert(x.Length == batch * channels * length && y.Length == x.Length);
        int stride = channels * length;
        ForChannels(channels, x.Length, c =>
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
    public static void TrainBackward(
        float[] outGrad, float[] xhat, float[]? inGrad, int batch, int channels, int length, float[]? gamma, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad)
    {
        Debug.Assert(outGrad.Length == batch * channels * length && xhat.Length == outGrad.Length);
        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, outGrad.Length, c =>
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
