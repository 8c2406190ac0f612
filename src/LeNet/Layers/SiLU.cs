using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The sigmoid-weighted linear unit x · σ(x) (also called swish), element-wise, like <c>torch.nn.SiLU()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class SiLU : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(SiLU);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Silu(x, y, SimdSupport.Best);

    /// <remarks>dx = dy · σ(x) · (1 + x · (1 − σ(x))).</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.SiluBackward(x, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>SiLU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "SiLU()";

    /// <remarks>Sigmoid, then Mul by x: torch.onnx's form (ONNX has no SiLU operator).</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        string x = graph.Current;
        string sigmoid = graph.AddNode("Sigmoid", prefix, x).Output;
        graph.AddNode("Mul", prefix, x, sigmoid);
    }
}
