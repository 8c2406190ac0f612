namespace LeNet.Tests;

/// <summary>Compares an analytical gradient (float) with a numerical one (double).</summary>
public static class GradientAssertions
{
    /// <summary>|analytical − numerical| ≤ 1e-3 · max(|numerical|, 1e-2) element-wise: 1e-3 relative, with a floor for near-zero entries.</summary>
    public static void ShouldMatchNumerical(this float[] analytical, double[] numerical, string what)
    {
        analytical.Length.Should().Be(numerical.Length, what);
        double worst = 0;
        int worstIndex = -1;
        for (int i = 0; i < numerical.Length; i++)
        {
            double error = Math.Abs(analytical[i] - numerical[i]) / Math.Max(Math.Abs(numerical[i]), 1e-2);
            if (error > worst)
            {
                (worst, worstIndex) = (error, i);
            }
        }

        worst.Should().BeLessThan(1e-3, $"{what}: worst relative error at index {worstIndex} (analytical {(worstIndex < 0 ? 0 : analytical[worstIndex])}, numerical {(worstIndex < 0 ? 0 : numerical[worstIndex])})");
        numerical.Should().Contain(v => Math.Abs(v) > 1e-3, $"{what}: a gradient check on an all-zero gradient proves nothing");
    }
}
