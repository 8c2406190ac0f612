using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LeNet.Kernels.Simd;

namespace LeNet.Kernels;

/// <summary>
/// Batch normalization over arrays laid out [N, C, L] (L = H·W for images, 1 for [N, C] features):
/// per channel c, the N runs of L contiguous values x[n, c, ·]. Every per-channel reduction is done by
/// one thread, plane by plane in n order, so results do not depend on the thread count. Each run is
/// one pass of a vectorized loop on the width ladder (statistics, normalization, gradient sums, input
/// gradient); the [N, C] form vectorizes along C with <see cref="TensorPrimitives"/>.
/// </summary>
internal static class BatchNormKernel
{
    /// <summary>Below this many elements the channels run on the calling thread.</summary>
    private const int ParallelThreshold = 32 * 1024;

    /// <summary>
    /// Training-mode statistics and normalization: per channel, mean = Σx / M and the biased variance
    /// var = Σ(x − mean)² / M over M = N·L values; y = (x − mean) · invStd · gamma + beta with
    /// invStd = 1/√(var + eps) (gamma, beta null: 1 and 0). x, y are [N, C, L]; mean, variance (biased)
    /// and invStd are [C], written. Backward recomputes xhat = (x − mean) · invStd from x, so nothing else is stored.
    /// </summary>
    /// <remarks>
    /// x is read twice: once for the statistics — each run's sum and its squares about its own mean while
    /// the run is in cache, combined exactly over the runs in double (Chan et al.: Σ(x − mean)² =
    /// Σ(x − a)² + 2(a − mean)·Σ(x − a) + L·(a − mean)² for each run's a), as accurate as two passes over
    /// the channel — and once to normalize.
    /// </remarks>
    public static void TrainForward(
        float[] x, float[] y, int batch, int channels, int length, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd) =>
        TrainForward(x, y, batch, channels, length, gamma, beta, eps, mean, variance, invStd, SimdSupport.Best);

    /// <summary>As <see cref="TrainForward(float[], float[], int, int, int, float[], float[], float, float[], float[], float[])"/>, at a given vector width (tests run every width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainForward(
        float[] x, float[] y, int batch, int channels, int length, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd, SimdWidth width)
    {
        Debug.Assert(x.Length == batch * channels * length && y.Length == x.Length);
        if (length == 1)
        {
            TrainForwardRows(x, y, batch, channels, gamma, beta, eps, mean, variance, invStd);
            return;
        }

        switch (width)
        {
            case SimdWidth.Vector512:
                TrainForward<Vector512Ops, Vector512<float>>(x, y, batch, channels, length, gamma, beta, eps, mean, variance, invStd);
                break;
            case SimdWidth.Vector256:
                TrainForward<Vector256Ops, Vector256<float>>(x, y, batch, channels, length, gamma, beta, eps, mean, variance, invStd);
                break;
            case SimdWidth.Vector128:
                TrainForward<Vector128Ops, Vector128<float>>(x, y, batch, channels, length, gamma, beta, eps, mean, variance, invStd);
                break;
            default:
                TrainForward<ScalarOps, float>(x, y, batch, channels, length, gamma, beta, eps, mean, variance, invStd);
                break;
        }
    }

    /// <summary>The [N, C, L] form (L &gt; 1) of <see cref="TrainForward(float[], float[], int, int, int, float[], float[], float, float[], float[], float[], SimdWidth)"/> at one width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainForward<TOps, TVec>(
        float[] x, float[] y, int batch, int channels, int length, float[]? gamma, float[]? beta, float eps,
        float[] mean, float[] variance, float[] invStd)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, x.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c) =>
        {
            // Per run: its sum s, its float mean a, and Σ(x − a)², kept for the combination below.
            Span<double> runSums = batch <= 1024 ? stackalloc double[batch] : new double[batch];
            Span<float> runMeans = batch <= 1024 ? stackalloc float[batch] : new float[batch];
            double sum = 0, squares = 0;
            for (int n = 0; n < batch; n++)
            {
                ReadOnlySpan<float> run = x.AsSpan((n * stride) + (c * length), length);
                double s = TensorPrimitives.Sum(run);
                float a = (float)(s / length);
                squares += SquaredDeviations<TOps, TVec>(run, a);
                (runSums[n], runMeans[n], sum) = (s, a, sum + s);
            }

            double m = sum / count;
            for (int n = 0; n < batch; n++)
            {
                double shift = runMeans[n] - m;
                squares += (2 * shift * (runSums[n] - (length * (double)runMeans[n]))) + (length * shift * shift);
            }

            double v = Math.Max(0, squares / count);
            float inv = (float)(1.0 / Math.Sqrt(v + eps));
            float mf = (float)m, scale = gamma is null ? 1f : gamma[c], shift0 = beta is null ? 0f : beta[c];
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                Normalize<TOps, TVec>(x.AsSpan(start, length), mf, inv, scale, shift0, y.AsSpan(start, length));
            }

            (mean[c], variance[c], invStd[c]) = (mf, (float)v, inv);
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
    /// The training-mode backward pass (batch statistics depend on x). With g = gamma (1 when empty) and
    /// xhat = (x − mean) · invStd, per channel: dbeta += Σ dy, dgamma += Σ dy·xhat, and
    /// dx = g · invStd · (dy − Σdy / M − xhat · Σ(dy·xhat) / M) (overwritten). x is the forward pass's
    /// input, mean and invStd its statistics (<see cref="TrainForward(float[], float[], int, int, int, float[], float[], float, float[], float[], float[])"/>).
    /// </summary>
    public static void TrainBackward(
        float[] outGrad, float[] x, float[]? inGrad, int batch, int channels, int length, float[]? gamma, float[] mean, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad) =>
        TrainBackward(outGrad, x, inGrad, batch, channels, length, gamma, mean, invStd, gammaGrad, betaGrad, SimdSupport.Best);

    /// <summary>As <see cref="TrainBackward(float[], float[], float[], int, int, int, float[], float[], float[], float[], float[])"/>, at a given vector width (tests run every width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TrainBackward(
        float[] outGrad, float[] x, float[]? inGrad, int batch, int channels, int length, float[]? gamma, float[] mean, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad, SimdWidth width)
    {
        Debug.Assert(outGrad.Length == batch * channels * length && x.Length == outGrad.Length);
        if (length == 1)
        {
            TrainBackwardRows(outGrad, x, inGrad, batch, channels, gamma, mean, invStd, gammaGrad, betaGrad);
            return;
        }

        switch (width)
        {
            case SimdWidth.Vector512:
                TrainBackward<Vector512Ops, Vector512<float>>(outGrad, x, inGrad, batch, channels, length, gamma, mean, invStd, gammaGrad, betaGrad);
                break;
            case SimdWidth.Vector256:
                TrainBackward<Vector256Ops, Vector256<float>>(outGrad, x, inGrad, batch, channels, length, gamma, mean, invStd, gammaGrad, betaGrad);
                break;
            case SimdWidth.Vector128:
                TrainBackward<Vector128Ops, Vector128<float>>(outGrad, x, inGrad, batch, channels, length, gamma, mean, invStd, gammaGrad, betaGrad);
                break;
            default:
                TrainBackward<ScalarOps, float>(outGrad, x, inGrad, batch, channels, length, gamma, mean, invStd, gammaGrad, betaGrad);
                break;
        }
    }

    /// <summary>The [N, C, L] form (L &gt; 1) of <see cref="TrainBackward(float[], float[], float[], int, int, int, float[], float[], float[], float[], float[], SimdWidth)"/> at one width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainBackward<TOps, TVec>(
        float[] outGrad, float[] x, float[]? inGrad, int batch, int channels, int length, float[]? gamma, float[] mean, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        int stride = channels * length;
        double count = (double)batch * length;
        ForChannels(channels, outGrad.Length, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (c) =>
        {
            double sumDy = 0, sumDyXhat = 0;
            for (int n = 0; n < batch; n++)
            {
                int start = (n * stride) + (c * length);
                (float dy, float dyXhat) = Sums<TOps, TVec>(outGrad.AsSpan(start, length), x.AsSpan(start, length), mean[c], invStd[c]);
                sumDy += dy;
                sumDyXhat += dyXhat;
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
                InputGradient<TOps, TVec>(outGrad.AsSpan(start, length), x.AsSpan(start, length), mean[c], invStd[c], k, -k * meanDyXhat, -k * meanDy, inGrad.AsSpan(start, length));
            }
        });
    }

    /// <summary>
    /// <see cref="TrainForward(float[], float[], int, int, int, float[], float[], float, float[], float[], float[], SimdWidth)"/> for [N, C] (L = 1): the statistics accumulate row by row, vectorized over
    /// the C channels (a per-channel loop would make one call per element). One thread, fixed order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainForwardRows(
        float[] x, float[] y, int batch, int channels, float[]? gamma, float[]? beta, float eps,
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
        var centered = new float[channels];
        for (int n = 0; n < batch; n++)
        {
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
            Span<float> output = y.AsSpan(n * channels, channels);
            Xhat(x.AsSpan(n * channels, channels), mean, invStd, output);
            if (gamma is not null)
            {
                TensorPrimitives.MultiplyAdd(output, gamma, beta!, output);
            }
        }
    }

    /// <summary><see cref="TrainBackward(float[], float[], float[], int, int, int, float[], float[], float[], float[], float[], SimdWidth)"/> for [N, C] (L = 1), row by row, vectorized over the C channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TrainBackwardRows(
        float[] outGrad, float[] x, float[]? inGrad, int batch, int channels, float[]? gamma, float[] mean, float[] invStd,
        float[]? gammaGrad, float[]? betaGrad)
    {
        var sumDy = new float[channels];
        var sumDyXhat = new float[channels];
        var xhat = new float[channels];
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> dy = outGrad.AsSpan(n * channels, channels);
            Xhat(x.AsSpan(n * channels, channels), mean, invStd, xhat);
            TensorPrimitives.Add(sumDy, dy, sumDy);
            TensorPrimitives.MultiplyAdd(dy, xhat, sumDyXhat, sumDyXhat);
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
            Xhat(x.AsSpan(n * channels, channels), mean, invStd, xhat);
            TensorPrimitives.Multiply(outGrad.AsSpan(n * channels, channels), k, dx);
            TensorPrimitives.MultiplyAdd(xhat, a, dx, dx);
            TensorPrimitives.Add(dx, b, dx);
        }
    }

    /// <summary>One row of [N, C]: xhat = (x − mean) · invStd, channel by channel.</summary>
    private static void Xhat(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> xhat)
    {
        TensorPrimitives.Subtract(x, mean, xhat);
        TensorPrimitives.Multiply(xhat, invStd, xhat);
    }

    /// <summary>Σ (x − mean)² over one run, in vector accumulators (two, then one), the tail in scalars.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SquaredDeviations<TOps, TVec>(ReadOnlySpan<float> x, float mean)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        TVec m = TOps.Create(mean), a0 = TOps.Zero, a1 = TOps.Zero;
        int n = x.Length, count = TOps.Count, i = 0;
        for (; i + (2 * count) <= n; i += 2 * count)
        {
            TVec d0 = TOps.Subtract(TOps.Load(ref r, i), m), d1 = TOps.Subtract(TOps.Load(ref r, i + count), m);
            a0 = TOps.MultiplyAdd(d0, d0, a0);
            a1 = TOps.MultiplyAdd(d1, d1, a1);
        }

        for (; i + count <= n; i += count)
        {
            TVec d = TOps.Subtract(TOps.Load(ref r, i), m);
            a0 = TOps.MultiplyAdd(d, d, a0);
        }

        float sum = TOps.Sum(TOps.Add(a0, a1));
        for (; i < n; i++)
        {
            float d = x[i] - mean;
            sum += d * d;
        }

        return sum;
    }

    /// <summary>One run: y = xhat · scale + shift with xhat = (x − mean) · invStd, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalize<TOps, TVec>(ReadOnlySpan<float> x, float mean, float invStd, float scale, float shift, Span<float> y)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        Debug.Assert(y.Length == x.Length);
        ref float r = ref MemoryMarshal.GetReference(x);
        ref float o = ref MemoryMarshal.GetReference(y);
        TVec m = TOps.Create(mean), inv = TOps.Create(invStd), a = TOps.Create(scale), b = TOps.Create(shift);
        int n = x.Length, count = TOps.Count, i = 0;
        for (; i + count <= n; i += count)
        {
            TVec normalized = TOps.Multiply(TOps.Subtract(TOps.Load(ref r, i), m), inv);
            TOps.Store(TOps.MultiplyAdd(normalized, a, b), ref o, i);
        }

        for (; i < n; i++)
        {
            float normalized = (x[i] - mean) * invStd;
            y[i] = (normalized * scale) + shift;
        }
    }

    /// <summary>(Σ dy, Σ dy · xhat) over one run, xhat = (x − mean) · invStd recomputed as the forward pass computed it, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Dy, float DyXhat) Sums<TOps, TVec>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        Debug.Assert(x.Length == dy.Length);
        ref float g = ref MemoryMarshal.GetReference(dy);
        ref float h = ref MemoryMarshal.GetReference(x);
        TVec m = TOps.Create(mean), inv = TOps.Create(invStd);
        TVec s0 = TOps.Zero, s1 = TOps.Zero, p0 = TOps.Zero, p1 = TOps.Zero;
        int n = dy.Length, count = TOps.Count, i = 0;
        for (; i + (2 * count) <= n; i += 2 * count)
        {
            TVec g0 = TOps.Load(ref g, i), g1 = TOps.Load(ref g, i + count);
            s0 = TOps.Add(s0, g0);
            s1 = TOps.Add(s1, g1);
            p0 = TOps.MultiplyAdd(g0, TOps.Multiply(TOps.Subtract(TOps.Load(ref h, i), m), inv), p0);
            p1 = TOps.MultiplyAdd(g1, TOps.Multiply(TOps.Subtract(TOps.Load(ref h, i + count), m), inv), p1);
        }

        for (; i + count <= n; i += count)
        {
            TVec g0 = TOps.Load(ref g, i);
            s0 = TOps.Add(s0, g0);
            p0 = TOps.MultiplyAdd(g0, TOps.Multiply(TOps.Subtract(TOps.Load(ref h, i), m), inv), p0);
        }

        float sum = TOps.Sum(TOps.Add(s0, s1)), products = TOps.Sum(TOps.Add(p0, p1));
        for (; i < n; i++)
        {
            sum += dy[i];
            products += dy[i] * ((x[i] - mean) * invStd);
        }

        return (sum, products);
    }

    /// <summary>One run of the input gradient: dx = k · dy + a · xhat + b with xhat = (x − mean) · invStd, in one pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradient<TOps, TVec>(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, float mean, float invStd, float k, float a, float b, Span<float> dx)
        where TOps : ISimdOps<TVec>
        where TVec : struct
    {
        Debug.Assert(x.Length == dy.Length && dx.Length == dy.Length);
        ref float g = ref MemoryMarshal.GetReference(dy);
        ref float h = ref MemoryMarshal.GetReference(x);
        ref float d = ref MemoryMarshal.GetReference(dx);
        TVec m = TOps.Create(mean), inv = TOps.Create(invStd);
        TVec kv = TOps.Create(k), av = TOps.Create(a), bv = TOps.Create(b);
        int n = dy.Length, count = TOps.Count, i = 0;
        for (; i + count <= n; i += count)
        {
            TVec xhat = TOps.Multiply(TOps.Subtract(TOps.Load(ref h, i), m), inv);
            TOps.Store(TOps.MultiplyAdd(TOps.Load(ref g, i), kv, TOps.MultiplyAdd(xhat, av, bv)), ref d, i);
        }

        for (; i < n; i++)
        {
            dx[i] = (dy[i] * k) + ((((x[i] - mean) * invStd) * a) + b);
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
