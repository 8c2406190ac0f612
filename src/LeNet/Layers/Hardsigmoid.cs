using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The piecewise-linear sigmoid relu6(x + 3) / 6, element-wise, like <c>torch.nn.Hardsigmoid()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>: 0 for x ≤ −3, 1 for x ≥ 3, x/6 + 1/2 between.</remarks>
public sealed class Hardsigmoid : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(Hardsigmoid);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Hardsigmoid(x, y, SimdSupport.Best);

    /// <remarks>dx = dy / 6 where −3 &lt; x &lt; 3 strictly, else 0 (PyTorch's convention: 0 at both kinks).</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.HardsigmoidBackward(x, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>Hardsigmoid()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "Hardsigmoid()";

    /// <inheritdoc/>
    internal override ActivationKind FusedActivation => ActivationKind.Hardsigmoid;

    /// <inheritdoc/>
    /// <remarks>A Hardsigmoid that no stage fused runs in place (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.AddInPlace(new ActivationStageSpec(ActivationKind.Hardsigmoid));
        return true;
    }

    /// <remarks>ONNX HardSigmoid computes max(0, min(1, alpha·x + beta)): alpha = 1/6, beta = 0.5.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        graph.AddLayerNode("HardSigmoid", this, prefix).Float("alpha", 1f / 6f).Float("beta", 0.5f);
}
