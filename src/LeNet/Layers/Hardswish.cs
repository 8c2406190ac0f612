using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>x · relu6(x + 3) / 6, element-wise, like <c>torch.nn.Hardswish()</c> (MobileNetV3's activation).</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>: 0 for x ≤ −3, x for x ≥ 3, x·(x + 3)/6 between.</remarks>
public sealed class Hardswish : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(Hardswish);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Hardswish(x, y, SimdSupport.Best);

    /// <remarks>
    /// ATen's <c>hardswish_backward</c>: dx = 0 where x &lt; −3, dy · (x/3 + 1/2) where −3 ≤ x ≤ 3, dy above; so
    /// −dy/2 at x = −3 and 3·dy/2 at x = 3.
    /// </remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.HardswishBackward(x, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>Hardswish()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Hardswish()";

    /// <inheritdoc/>
    internal override ActivationKind FusedActivation => ActivationKind.Hardswish;

    /// <inheritdoc/>
    /// <remarks>A Hardswish that no stage fused runs in place (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.AddInPlace(new ActivationStageSpec(ActivationKind.Hardswish));
        return true;
    }

    /// <remarks>
    /// ONNX HardSwish arrived in opset 14; the exporter writes <see cref="OnnxExporter.OpsetVersion"/>, so below 14 it is
    /// x · HardSigmoid(x) with alpha = 1/6, beta = 0.5 (torch.onnx's own form for those opsets).
    /// </remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (OnnxOpset.AtLeast(14))
        {
            graph.AddLayerNode("HardSwish", this, prefix);
            return;
        }

        string x = graph.Current;
        string gate = graph.AddNode("HardSigmoid", prefix, x).Float("alpha", 1f / 6f).Float("beta", 0.5f).Output;
        graph.AddNode("Mul", prefix, x, gate);
    }
}
