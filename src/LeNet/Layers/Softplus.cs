using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// log(1 + e^(β·x)) / β, element-wise, linear (x itself) where β·x &gt; threshold, like
/// <c>torch.nn.Softplus(beta=1, threshold=20)</c>.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class Softplus : ElementwiseActivation
{
    /// <summary>Creates the layer.</summary>
    /// <param name="beta">β, the sharpness (PyTorch's <c>beta</c>, default 1); finite and non-zero.</param>
    /// <param name="threshold">Above this value of β·x the output is x (PyTorch's <c>threshold</c>, default 20).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is zero or not finite, or <paramref name="threshold"/> is NaN.</exception>
    public Softplus(float beta = 1f, float threshold = 20f)
    {
        if (!float.IsFinite(beta) || beta == 0f)
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, $"Softplus: beta must be finite and non-zero, got {beta}.");
        }

        if (float.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "Softplus: threshold must not be NaN.");
        }

        (Beta, Threshold) = (beta, threshold);
    }

    /// <summary>β, the sharpness.</summary>
    public float Beta { get; }

    /// <summary>Above this value of β·x the output is x.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    public override string Name => nameof(Softplus);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Softplus(x, Beta, Threshold, y, SimdSupport.Best);

    /// <remarks>dx = dy where β·x &gt; threshold, else dy · σ(β·x).</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.SoftplusBackward(x, Beta, Threshold, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>Softplus(beta=1.0, threshold=20.0)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"Softplus(beta={Format(Beta)}, threshold={Format(Threshold)})";

    /// <remarks>
    /// The defaults are ONNX Softplus (the linear regime above β·x = 20 differs from log(1 + eˣ) by less than
    /// e^−20). Other settings are decomposed exactly: Where(Greater(β·x, threshold), x, Softplus(β·x) / β).
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (Beta == 1f && Threshold == 20f)
        {
            graph.AddLayerNode("Softplus", this, prefix);
            return;
        }

        string x = graph.Current;
        string beta = graph.AddInitializer(prefix + "beta", Tensor.FromArray([Beta], 1));
        string threshold = graph.AddInitializer(prefix + "threshold", Tensor.FromArray([Threshold], 1));
        string z = graph.AddNode("Mul", prefix, x, beta).Output;
        string linear = graph.AddNode("Greater", prefix, z, threshold).Output;
        string soft = graph.AddNode("Softplus", prefix, z).Output;
        string scaled = graph.AddNode("Div", prefix, soft, beta).Output;
        graph.AddNode("Where", prefix, linear, x, scaled);
    }
}
