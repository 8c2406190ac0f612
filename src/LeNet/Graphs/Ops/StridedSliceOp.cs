using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// Every <c>step</c>-th element from <c>start</c> along one dimension, <c>count</c> of them, like
/// <c>x[:, :, start::step]</c> (a copy here) and ONNX <c>Slice</c> with a positive step: input [… n …] →
/// output [… count …].
/// </summary>
internal sealed class StridedSliceOp(int dim, int start, int step, int count) : TensorOp
{
    public override string Name => "slice";

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        int[] shape = x.Shape.ToArray();
        int size = shape[dim];
        shape[dim] = count;
        var y = new Tensor(shape);
        (int outer, int inner) = Extent(shape);
        float[] src = x.ReadData, dst = y.Data;
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < count; k++)
            {
                Array.Copy(src, ((o * size) + start + (k * step)) * inner, dst, ((o * count) + k) * inner, inner);
            }
        }

        return y;
    }

    // y[…, k, …] = x[…, start + k·step, …]: the gradient scatters back to those positions, zero elsewhere.
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        int size = x.Shape[dim];
        (int outer, int inner) = Extent(output.Shape);
        float[] src = outputGradient.ReadData, dst = dx.Data;
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < count; k++)
            {
                Array.Copy(src, ((o * count) + k) * inner, dst, ((o * size) + start + (k * step)) * inner, inner);
            }
        }

        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Slice", prefix,
            inputs[0],
            graph.AddInt64Initializer(prefix + "_starts", [1], start),
            graph.AddInt64Initializer(prefix + "_ends", [1], start + ((count - 1) * step) + 1),
            graph.AddInt64Initializer(prefix + "_axes", [1], dim),
            graph.AddInt64Initializer(prefix + "_steps", [1], step)).Output = output;

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
