using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>
/// The scaled exponential linear unit scale · (x if x &gt; 0 else alpha · (eˣ − 1)) with PyTorch's constants
/// alpha ≈ 1.6733 and scale ≈ 1.0507, element-wise, like <c>torch.nn.SELU()</c>.
/// </summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class SELU : ElementwiseActivation
{
    /// <summary>PyTorch's alpha, 1.6732632423543772848170429916717.</summary>
    public const float Alpha = 1.6732632423543772848170429916717f;

    /// <summary>PyTorch's scale, 1.0507009873554804934193349852946.</summary>
    public const float Scale = 1.0507009873554804934193349852946f;

    /// <inheritdoc/>
    public override string Name => nameof(SELU);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Elu(x, Alpha, Scale, y, SimdSupport.Best);

    /// <remarks>dx = scale · dy where x &gt; 0, else scale · dy · alpha · eˣ.</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.EluBackward(x, Alpha, Scale, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>SELU()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "SELU()";

    /// <remarks>ONNX Selu's default alpha and gamma are PyTorch's constants (as float).</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) => graph.AddLayerNode("Selu", this, prefix).Float("alpha", Alpha).Float("gamma", Scale);
}
