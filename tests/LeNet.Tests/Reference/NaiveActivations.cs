namespace LeNet.Tests.Reference;

/// <summary>The kernels' fused activations in double, from their definitions, by the names the tests use.</summary>
public static class NaiveActivations
{
    public const string Identity = "identity";
    public const string Relu = "relu";
    public const string Sigmoid = "sigmoid";

    /// <summary>identity: x; relu: max(0, x); sigmoid: 1 / (1 + e^−x).</summary>
    public static double Apply(string activation, double x) => activation switch
    {
        Identity => x,
        Relu => x > 0 ? x : 0,
        Sigmoid => 1 / (1 + Math.Exp(-x)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "identity, relu or sigmoid"),
    };
}
