using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>A sum or mean over dimensions, like <c>x.sum(dims, keepdim)</c> and <c>x.mean(dims, keepdim)</c>.</summary>
internal sealed class ReduceOp(int[] dims, bool keepDim, bool mean) : TensorOp
{
    public override string Name => mean ? "mean" : "sum";

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        int[] kept = KeptShape(x.Shape);
        Tensor sum = Broadcast.SumTo(x, kept);
        if (ReferenceEquals(sum, x))
        {
            sum = x.Copy();
        }

        if (mean)
        {
            float scale = 1f / Count(x.Shape);
            float[] data = sum.Data;
            for (int i = 0; i < data.Length; i++)
            {
                data[i] *= scale;
            }
        }

        return keepDim ? sum : sum.View(OutputShape(x.Shape));
    }

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        Tensor dx = Broadcast.Expand(outputGradient.View(KeptShape(x.Shape)), x.Shape.ToArray());
        if (mean)
        {
            float scale = 1f / Count(x.Shape);
            float[] data = dx.Data;
            for (int i = 0; i < data.Length; i++)
            {
                data[i] *= scale;
            }
        }

        return [dx];
    }

    /// <remarks>Opset 13: ReduceMean takes its axes as an attribute, ReduceSum as an input.</remarks>
    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output)
    {
        long[] axes = [.. dims.Select(d => (long)d)];
        OnnxNode node = mean
            ? graph.AddNode("ReduceMean", prefix, inputs[0]).Ints("axes", axes)
            : graph.AddNode("ReduceSum", prefix, inputs[0], graph.AddInt64Initializer(prefix + "_axes", [axes.Length], axes));
        node.Int("keepdims", keepDim ? 1 : 0).Output = output;
    }

    /// <summary>The input's shape with the reduced dimensions set to 1.</summary>
    private int[] KeptShape(ReadOnlySpan<int> shape)
    {
        int[] kept = shape.ToArray();
        foreach (int d in dims)
        {
            kept[d] = 1;
        }

        return kept;
    }

    private int[] OutputShape(ReadOnlySpan<int> shape)
    {
        var result = new List<int>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (!dims.Contains(d))
            {
                result.Add(shape[d]);
            }
        }

        return [.. result];
    }

    private int Count(ReadOnlySpan<int> shape)
    {
        int count = 1;
        foreach (int d in dims)
        {
            count *= shape[d];
        }

        return count;
    }
}
