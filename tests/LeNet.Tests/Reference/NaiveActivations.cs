namespace LeNet.Tests.Reference;

/// <summary>The kernels' fused activations in double, from their definitions, by the names the tests use.</summary>
public static class NaiveActivations
{
    public const string Identity = "identity";
    public const string Relu = "relu";
    public const string Sigmoid = "sigmoid";
    public const string Relu6 = "relu6";
    public const string Hardswish = "hardswish";
    public const string Hardsigmoid = "hardsigmoid";

    /// <summary>identity: x; relu: max(0, x); sigmoid: 1 / (1 + e^−x); relu6: min(max(x, 0), 6); hardsigmoid: relu6(x + 3) / 6; hardswish: x · hardsigmoid(x).</summary>
    public static double Apply(string activation, double x) => activation switch
    {
        Identity => x,
        Relu => x > 0 ? x : 0,
        Sigmoid => 1 / (1 + Math.Exp(-x)),
        Relu6 => Math.Min(Math.Max(x, 0), 6),
        Hardsigmoid => Math.Min(Math.Max(x + 3, 0), 6) / 6,
        Hardswish => x * Math.Min(Math.Max(x + 3, 0), 6) / 6,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "identity, relu, sigmoid, relu6, hardsigmoid or hardswish"),
    };

    /// <summary>
    /// The fused-pool kernels' expected output: pooled[f, py, px] = the max or the mean over the 2×2 window at
    /// (2py, 2px) of act(conv[f]), conv [channels, height, width]; planes <paramref name="planeStride"/> and
    /// rows <paramref name="rowStride"/> apart, every gap NaN.
    /// </summary>
    public static float[] Pooled(double[] conv, int channels, int height, int width, string activation, bool max, int rowStride, int planeStride)
    {
        int ph = height / 2, pw = width / 2;
        float[] pooled = [.. Enumerable.Repeat(float.NaN, channels * planeStride)];
        for (int f = 0; f < channels; f++)
        {
            for (int py = 0; py < ph; py++)
            {
                for (int px = 0; px < pw; px++)
                {
                    double[] window = [.. from u in new[] { 0, 1 } from v in new[] { 0, 1 } select Apply(activation, conv[(((f * height) + (2 * py) + u) * width) + (2 * px) + v])];
                    pooled[(f * planeStride) + (py * rowStride) + px] = (float)(max ? window.Max() : window.Average());
                }
            }
        }

        return pooled;
    }
}
