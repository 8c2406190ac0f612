using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// The elements <c>[start, start + length)</c> along one dimension, like <c>x.narrow(dim, start, length)</c>
/// (a copy here, a view in PyTorch): what <see cref="Tensor.Chunk"/> and <see cref="Tensor.Split(int, int)"/> return.
/// </summary>
internal sealed class SliceOp(int dim, int start, int length) : TensorOp
{
    public override string Name => "slice";

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        int[] shape = x.Shape.ToArray();
        int size = shape[dim];
        shape[dim] = length;
        var y = new Tensor(shape);
        (int outer, int inner) = Extent(shape);
        float[] src = x.ReadData, dst = y.Data;
        for (int o = 0; o < outer; o++)
        {
            Array.Copy(src, ((o * size) + start) * inner, dst, o * length * inner, length * inner);
        }

        return y;
    }

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        int size = x.Shape[dim];
        (int outer, int inner) = Extent(output.Shape);
        float[] src = outputGradient.ReadData, dst = dx.Data;
        for (int o = 0; o < outer; o++)
        {
            Array.Copy(src, o * length * inner, dst, ((o * size) + start) * inner, length * inner);
        }

        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Slice", prefix,
            inputs[0],
            graph.AddInt64Initializer(prefix + "_starts", [1], start),
            graph.AddInt64Initializer(prefix + "_ends", [1], start + length),
            graph.AddInt64Initializer(prefix + "_axes", [1], dim)).Output = output;

    private (int Outer, int Inner) Extent(ReadOnlySpan<int> shape)
    {
        int outer = 1, inner = 1;
        for (int d = 0; d < dim; d++)
        {
            outer *= shape[d];
        }

        for (int d = dim + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        return (outer, inner);
    }
}
