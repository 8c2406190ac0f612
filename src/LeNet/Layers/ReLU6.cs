using LeNet.Compiler;
using LeNet.IO;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Layers;

/// <summary>The rectifier capped at six, min(max(0, x), 6), element-wise, like <c>torch.nn.ReLU6()</c>.</summary>
/// <remarks><c>input [any shape] → output [same shape]</c>.</remarks>
public sealed class ReLU6 : ElementwiseActivation
{
    /// <inheritdoc/>
    public override string Name => nameof(ReLU6);

    private protected override void Apply(ReadOnlySpan<float> x, Span<float> y) => ActivationFunctions.Relu6(x, y, SimdSupport.Best);

    /// <remarks>PyTorch's hardtanh backward: dx = dy where 0 &lt; x &lt; 6 strictly, else 0 (0 at both kinks).</remarks>
    private protected override void Differentiate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) =>
        ActivationFunctions.Relu6Backward(x, dy, dx, SimdSupport.Best);

    /// <summary>Returns <c>ReLU6()</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => "ReLU6()";

    /// <inheritdoc/>
    internal override ActivationKind FusedActivation => ActivationKind.Relu6;

    /// <inheritdoc/>
    /// <remarks>A ReLU6 that no stage fused runs in place (inference only).</remarks>
    internal override bool Compile(StageCompiler compiler)
    {
        compiler.AddInPlace(new ActivationStageSpec(ActivationKind.Relu6));
        return true;
    }

    /// <remarks>ONNX Clip, whose bounds are inputs since opset 11: Clip(x, 0, 6) with scalar initializers, as torch.onnx exports it.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        string x = graph.Current;
        string min = graph.AddInitializer(prefix + "clip_min", Tensor.FromArray([0f]));
        string max = graph.AddInitializer(prefix + "clip_max", Tensor.FromArray([6f]));
        graph.AddNode("Clip", prefix, x, min, max);
    }
}
