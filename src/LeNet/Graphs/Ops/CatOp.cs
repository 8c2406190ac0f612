using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>Concatenation along one dimension, like <c>torch.cat(tensors, dim)</c>; the backward splits the gradient.</summary>
internal sealed class CatOp(int dim) : TensorOp
{
    public int Dim { get; } = dim;

    public override string Name => "cat";

    public override int[]? OutputShape(Tensor[] inputs)
    {
        int[] shape = inputs[0].Shape.ToArray();
        shape[Dim] = inputs.Sum(t => t.Shape[Dim]);
        return shape;
    }

    public override Tensor Forward(Tensor[] inputs)
    {
        int[] shape = inputs[0].Shape.ToArray();
        shape[Dim] = inputs.Sum(t => t.Shape[Dim]);
        var y = new Tensor(shape);
        int outer = Outer(shape), rowOut = y.Length / Math.Max(outer, 1);
        float[] dst = y.Data;
        int offset = 0;
        foreach (Tensor input in inputs)
        {
            int row = outer == 0 ? 0 : input.Length / outer;
            float[] src = input.ReadData;
            for (int o = 0; o < outer; o++)
            {
                Array.Copy(src, o * row, dst, (o * rowOut) + offset, row);
            }

            offset += row;
        }

        return y;
    }

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        var gradients = new Tensor?[inputs.Length];
        int start = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            int length = inputs[i].Shape[Dim];
            if (needed[i])
            {
                gradients[i] = new SliceOp(Dim, start, length).Forward([outputGradient]);
            }

            start += length;
        }

        return gradients;
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Concat", prefix, inputs).Int("axis", Dim).Output = output;

    /// <summary>The product of the dimensions before <see cref="Dim"/>.</summary>
    private int Outer(int[] shape)
    {
        int outer = 1;
        for (int d = 0; d < Dim; d++)
        {
            outer *= shape[d];
        }

        return outer;
    }
}
