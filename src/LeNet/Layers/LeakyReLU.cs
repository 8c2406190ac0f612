using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>max(0, x) + negativeSlope · min(0, x), element-wise, like <c>torch.nn.LeakyReLU(negative_slope=0.01)</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class LeakyReLU : ElementwiseActivation
{
    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">The slope for negative inputs (PyTorch's <c>negative_slope</c>, default 0.01); any finite value.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="negativeSlope"/> is not finite.</exception>
    public LeakyReLU(float negativeSlope = 0.01f)
    {
        if (!float.IsFinite(negativeSlope))
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, $"LeakyReLU: negativeSlope must be finite, got {negativeSlope}.");
        }

        NegativeSlope = negativeSlope;
    }

    /// <summary>The slope for negative inputs.</summary>
    public float NegativeSlope { get; }

    /// <inheritdoc/>
    public override string Name => nameof(LeakyReLU);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.LeakyRelu(x, NegativeSlope, y, SimdSupport.Best);

    /// <remarks>dx = dy where x &gt; 0, else negativeSlope · dy.</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.LeakyReluBackward(x, NegativeSlope, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>LeakyReLU(negative_slope=0.01)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"LeakyReLU(negative_slope={Format(NegativeSlope)})";

    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("LeakyRelu", this, prefix).Float("alpha", NegativeSlope);
}
