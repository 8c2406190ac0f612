using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// Each element limited to <c>[min, max]</c>, like <c>torch.clamp(x, min, max)</c> and ONNX <c>Clip</c>:
/// input [any] → output [same]. The gradient passes where <c>min &lt; x &lt; max</c> holds, else it is zero
/// (PyTorch's rule at the bounds: <c>clamp</c>'s gradient is 1 where <c>min ≤ x ≤ max</c>).
/// </summary>
internal sealed class ClipOp(float min, float max) : TensorOp
{
    public override string Name => "clamp";

    public float Min => min;

    public float Max => max;

    public override int[]? OutputShape(Tensor[] inputs) => inputs[0].Shape.ToArray();

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        var y = new Tensor(x.Shape.ToArray());
        ReadOnlySpan<float> src = x.ReadData;
        Span<float> dst = y.Data;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = Math.Min(Math.Max(src[i], min), max);
        }

        return y;
    }

    // y = min(max(x, lo), hi): ∂y/∂x = 1 inside [lo, hi], 0 outside (torch.clamp's backward).
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        ReadOnlySpan<float> src = x.ReadData, dy = outputGradient.ReadData;
        Span<float> dst = dx.Data;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = src[i] >= min && src[i] <= max ? dy[i] : 0f;
        }

        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Clip", prefix,
            inputs[0],
            graph.AddInitializer(prefix + "_min", Tensor.FromArray([min])),
            graph.AddInitializer(prefix + "_max", Tensor.FromArray([max]))).Output = output;
}
