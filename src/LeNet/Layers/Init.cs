namespace LeNet.Layers;

/// <summary>Parameter initialisation, following <c>torch.nn.init</c>.</summary>
internal static class Init
{
    /// <summary>
    /// Fills <paramref name="values"/> from U(−bound, bound). With bound = 1/√fan_in this is what
    /// <c>Conv2d.reset_parameters</c> and <c>Linear.reset_parameters</c> do for both weight
    /// (<c>kaiming_uniform_(a=√5)</c> reduces to it) and bias.
    /// </summary>
    public static void Uniform(Span<float> values, double bound, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2.0) - 1.0) * bound);
        }
    }

    /// <summary>torch's default bound for a layer with <paramref name="fanIn"/> inputs per output: 1/√fan_in.</summary>
    public static double DefaultBound(int fanIn) => 1.0 / Math.Sqrt(fanIn);
}
