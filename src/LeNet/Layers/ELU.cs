using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The exponential linear unit x if x &gt; 0 else alpha · (eˣ − 1), element-wise, like <c>torch.nn.ELU(alpha=1.0)</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class ELU : ElementwiseActivation
{
    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">The value the negative side tends to is −alpha (PyTorch's <c>alpha</c>, default 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="alpha"/> is not finite.</exception>
    public ELU(float alpha = 1f)
    {
        if (!float.IsFinite(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"ELU: alpha must be finite, got {alpha}.");
        }

        Alpha = alpha;
    }

    /// <summary>The scale of the negative side.</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override string Name => nameof(ELU);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Elu(x, Alpha, 1f, y, SimdSupport.Best);

    /// <remarks>dx = dy where x &gt; 0, else dy · alpha · eˣ.</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.EluBackward(x, Alpha, 1f, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>ELU(alpha=1.0)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"ELU(alpha={Format(Alpha)})";

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Elu", this, prefix).Float("alpha", Alpha);
}
