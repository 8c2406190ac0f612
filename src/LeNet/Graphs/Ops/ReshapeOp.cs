using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>A view with another shape (<c>reshape</c>, <c>view</c>, <c>flatten</c>, <c>unsqueeze</c>, <c>squeeze</c>): the storage is shared.</summary>
internal sealed class ReshapeOp(int[] shape, string name = "reshape") : TensorOp
{
    public override string Name => name;

    public override Tensor Forward(Tensor[] inputs) => inputs[0].View(shape);

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed) =>
        [outputGradient.View(inputs[0].Shape.ToArray())];

    /// <remarks>The batch dimension stays symbolic: 0 (copy the input's) when it is kept, −1 when it is merged.</remarks>
    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output)
    {
        long[] target = [.. shape.Select(d => (long)d)];
        if (shapes[0].Length > 0 && target.Length > 0)
        {
            target[0] = target[0] == shapes[0][0] ? 0 : -1;
        }

        graph.AddNode("Reshape", prefix, inputs[0], graph.AddInt64Initializer(prefix + "_shape", [target.Length], target)).Output = output;
    }
}
