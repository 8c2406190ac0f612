using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>A copy into new storage (<c>clone</c>): the identity for gradients, <c>Identity</c> in ONNX.</summary>
internal sealed class CloneOp : TensorOp
{
    public static readonly CloneOp Instance = new();

    public override string Name => "clone";

    public override int[]? OutputShape(Tensor[] inputs) => inputs[0].Shape.ToArray();

    public override Tensor Forward(Tensor[] inputs) => inputs[0].Copy();

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed) => [outputGradient];

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Identity", prefix, inputs[0]).Output = output;
}
