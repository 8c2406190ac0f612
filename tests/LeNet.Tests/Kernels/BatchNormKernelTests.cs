using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Batch normalization's training-mode forward and backward over [N, C, L] at every vector width, against
/// the formulas in double: runs shorter than a vector, with vector tails, and LeNet's 24×24 planes; values
/// far from zero (the variance combined from per-run squares); with and without gamma and beta; the input
/// gradient skipped; the [N, C] form (L = 1), which does not depend on the width.
/// </summary>
public class BatchNormKernelTests
{
    // (batch, channels, length, offset, affine): [N, C] rows, every tail of a 16-float vector, a plane of d2l's conv1, data centred at 1000.
    private static readonly object[][] Rows =
    [
        [6, 5, 1, 0f, true],
        [4, 3, 1, 10f, false],
        [3, 2, 5, 0f, true],
        [2, 3, 37, 0f, true],
        [4, 2, 576, 0f, false],
        [5, 2, 33, 1000f, true],
    ];

    public static IEnumerable<object[]> Configurations => KernelWidths.Cross(Rows);

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TrainForward_EveryWidth_MatchesTheFormulasInDouble(int width, int n, int c, int length, float offset, bool affine)
    {
        var random = new Random(n + c + length);
        float[] x = [.. KernelData.Uniform(random, n * c * length).Select(v => v + offset)];
        float[]? gamma = affine ? KernelData.Uniform(random, c) : null, beta = affine ? KernelData.Uniform(random, c) : null;
        var y = new float[x.Length];
        float[] mean = new float[c], variance = new float[c], invStd = new float[c];

        BatchNormKernel.TrainForward(x, y, n, c, length, gamma, beta, 1e-5f, mean, variance, invStd, (SimdWidth)width);

        Reference r = Statistics(x, n, c, length, 1e-5);
        mean.Should().BeCloseTo(KernelData.ToFloat(r.Mean), atol: 1e-6, rtol: 1e-6);
        variance.Should().BeCloseTo(KernelData.ToFloat(r.Variance), atol: 1e-6, rtol: 1e-4);
        invStd.Should().BeCloseTo(KernelData.ToFloat(r.InvStd), atol: 1e-6, rtol: 1e-4);
        var expectedY = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int ch = i / length % c;
            expectedY[i] = (float)((r.Xhat[i] * (gamma?[ch] ?? 1.0)) + (beta?[ch] ?? 0.0));
        }

        y.Should().BeCloseTo(expectedY, atol: 1e-4, rtol: 1e-4);
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TrainBackward_EveryWidth_MatchesTheChainRuleInDouble(int width, int n, int c, int length, float offset, bool affine)
    {
        var random = new Random(7 + n + c + length);
        float[] x = [.. KernelData.Uniform(random, n * c * length).Select(v => v + offset)];
        float[] dy = KernelData.Uniform(random, x.Length);
        float[]? gamma = affine ? KernelData.Uniform(random, c) : null;
        float[] mean = [.. KernelData.Uniform(random, c).Select(v => v + offset)];
        float[] invStd = [.. KernelData.Uniform(random, c).Select(v => 1.5f + v)];
        float[] gammaGrad = KernelData.Uniform(random, c), betaGrad = KernelData.Uniform(random, c);
        float[] initialGamma = (float[])gammaGrad.Clone(), initialBeta = (float[])betaGrad.Clone();
        float[] dx = [.. Enumerable.Repeat(float.NaN, x.Length)];

        BatchNormKernel.TrainBackward(dy, x, dx, n, c, length, gamma, mean, invStd, gammaGrad, betaGrad, (SimdWidth)width);

        // xhat = (x − mean)·invStd; dx = g·invStd·(dy − mean(dy) − xhat·mean(dy·xhat)) per channel; dgamma += Σ dy·xhat, dbeta += Σ dy.
        double[] xhat = [.. x.Select((v, i) => ((double)v - mean[i / length % c]) * invStd[i / length % c])];
        double m = (double)n * length;
        var expectedDx = new float[dx.Length];
        float[] expectedGamma = (float[])initialGamma.Clone(), expectedBeta = (float[])initialBeta.Clone();
        for (int ch = 0; ch < c; ch++)
        {
            double sumDy = 0, sumDyXhat = 0;
            foreach (int i in Indices(n, c, length, ch))
            {
                sumDy += dy[i];
                sumDyXhat += (double)dy[i] * xhat[i];
            }

            expectedGamma[ch] = (float)(initialGamma[ch] + sumDyXhat);
            expectedBeta[ch] = (float)(initialBeta[ch] + sumDy);
            double k = (gamma?[ch] ?? 1.0) * invStd[ch];
            foreach (int i in Indices(n, c, length, ch))
            {
                expectedDx[i] = (float)(k * (dy[i] - (sumDy / m) - (xhat[i] * sumDyXhat / m)));
            }
        }

        dx.Should().BeCloseTo(expectedDx, atol: 1e-5, rtol: 1e-4);
        gammaGrad.Should().BeCloseTo(expectedGamma, atol: 1e-4, rtol: 1e-5);
        betaGrad.Should().BeCloseTo(expectedBeta, atol: 1e-4, rtol: 1e-5);

        // Without the input gradient the parameter gradients still accumulate.
        BatchNormKernel.TrainBackward(dy, x, null, n, c, length, gamma, mean, invStd, gammaGrad, betaGrad, (SimdWidth)width);
        betaGrad.Should().BeCloseTo([.. expectedBeta.Select((v, ch) => v + (v - initialBeta[ch]))], atol: 1e-4, rtol: 1e-5);
    }

    private static IEnumerable<int> Indices(int n, int c, int length, int channel)
    {
        for (int b = 0; b < n; b++)
        {
            for (int l = 0; l < length; l++)
            {
                yield return (((b * c) + channel) * length) + l;
            }
        }
    }

    private static Reference Statistics(float[] x, int n, int c, int length, double eps)
    {
        var r = new Reference(new double[c], new double[c], new double[c], new double[x.Length]);
        for (int ch = 0; ch < c; ch++)
        {
            r.Mean[ch] = Indices(n, c, length, ch).Average(i => (double)x[i]);
            r.Variance[ch] = Indices(n, c, length, ch).Average(i => Math.Pow(x[i] - r.Mean[ch], 2));
            r.InvStd[ch] = 1 / Math.Sqrt(r.Variance[ch] + eps);
            foreach (int i in Indices(n, c, length, ch))
            {
                r.Xhat[i] = (x[i] - r.Mean[ch]) * r.InvStd[ch];
            }
        }

        return r;
    }

    private sealed record Reference(double[] Mean, double[] Variance, double[] InvStd, double[] Xhat);
}
