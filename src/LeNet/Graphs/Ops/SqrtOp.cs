using System.Numerics.Tensors;
using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>The square root element-wise, like <c>torch.sqrt</c> and ONNX <c>Sqrt</c>: input [any] → output [same].</summary>
internal sealed class SqrtOp : TensorOp
{
    public static readonly SqrtOp Instance = new();

    private SqrtOp()
    {
    }

    public override string Name => "sqrt";

    public override int[]? OutputShape(Tensor[] inputs) => inputs[0].Shape.ToArray();

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        var y = new Tensor(x.Shape.ToArray());
        TensorPrimitives.Sqrt(x.ReadData, y.Data);
        return y;
    }

    // y = √x: ∂y/∂x = 1 / (2y).
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        var dx = new Tensor(output.Shape.ToArray());
        ReadOnlySpan<float> y = output.ReadData, dy = outputGradient.ReadData;
        Span<float> dst = dx.Data;
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = dy[i] / (2f * y[i]);
        }

        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Sqrt", prefix, inputs[0]).Output = output;
}
