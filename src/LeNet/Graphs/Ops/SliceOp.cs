using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// Every <c>step</c>-th element from <c>start</c> along one dimension, <c>length</c> of them: with step 1
/// <c>x.narrow(dim, start, length)</c> (a copy here, a view in PyTorch), what <see cref="Tensor.Chunk"/> and
/// <see cref="Tensor.Split(int, int)"/> return; with a larger step <c>x[:, :, start::step]</c> and ONNX <c>Slice</c>
/// with any non-zero step (a negative one walks backwards from <c>start</c>, like <c>torch.flip</c> of a range).
/// Input [… n …] → output [… length …].
/// </summary>
internal sealed class SliceOp(int dim, int start, int length, int step = 1) : TensorOp
{
    public override string Name => "slice";

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        int[] shape = x.Shape.ToArray();
        int size = shape[dim];
        shape[dim] = length;
        var y = new Tensor(shape);
        Copy(x.ReadData, size, y.Data, length, Extent(shape), toSlice: true);
        return y;
    }

    // y[…, k, …] = x[…, start + k·step, …]: the gradient goes back to those positions, zero elsewhere.
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        Copy(dx.Data, x.Shape[dim], outputGradient.ReadData, length, Extent(output.Shape), toSlice: false);
        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output)
    {
        List<string> operands =
        [
            inputs[0],
            graph.AddInt64Initializer(prefix + "_starts", [1], start),
            graph.AddInt64Initializer(prefix + "_ends", [1], End),
            graph.AddInt64Initializer(prefix + "_axes", [1], dim),
        ];
        if (step != 1)
        {
            operands.Add(graph.AddInt64Initializer(prefix + "_steps", [1], step));
        }

        graph.AddNode("Slice", prefix, [.. operands]).Output = output;
    }

    /// <summary>ONNX's exclusive end: one step past the last element; for a negative step that reaches index 0, a
    /// value below −size (ONNX reads −1 as the last element).</summary>
    private long End => step > 0 ? start + ((length - 1) * step) + 1
        : start + ((length - 1) * step) - 1 >= 0 ? start + ((length - 1) * step) - 1 : int.MinValue;

    /// <summary>Copies the selected rows from the full tensor into the slice (<paramref name="toSlice"/>) or back.</summary>
    private void Copy(float[] full, int size, float[] slice, int count, (int Outer, int Inner) extent, bool toSlice)
    {
        (int outer, int inner) = extent;
        int rows = step == 1 ? 1 : count, block = step == 1 ? count * inner : inner;
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < rows; k++)
            {
                int f = ((o * size) + start + (k * step)) * inner, s = ((o * count) + k) * inner;
                if (toSlice)
                {
                    Array.Copy(full, f, slice, s, block);
                }
                else
                {
                    Array.Copy(slice, s, full, f, block);
                }
            }
        }
    }

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
