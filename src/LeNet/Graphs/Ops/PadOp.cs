using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// Constant padding of any dimensions, like <c>F.pad(x, pad, value=v)</c> and ONNX <c>Pad</c> (mode constant):
/// input [d0, d1, …] → output [d0 + b0 + e0, d1 + b1 + e1, …], with <c>before</c>[i] and <c>after</c>[i]
/// (non-negative) values of <c>value</c> added before and after dimension i.
/// </summary>
internal sealed class PadOp(int[] before, int[] after, float value) : TensorOp
{
    public override string Name => "constant_pad_nd";

    public override Tensor Forward(Tensor[] inputs)
    {
        Tensor x = inputs[0];
        var y = new Tensor(OutputShape(x.Shape));
        if (value != 0f)
        {
            y.Data.AsSpan().Fill(value);
        }

        Copy(x.Shape.ToArray(), y.Shape.ToArray(), x.ReadData, y.Data, into: true);
        return y;
    }

    // y[i + before] = x[i]: the gradient of x is the slice of dy that x was copied to.
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        Tensor x = inputs[0];
        var dx = new Tensor(x.Shape.ToArray());
        Copy(x.Shape.ToArray(), output.Shape.ToArray(), dx.Data, outputGradient.ReadData, into: false);
        return [dx];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Pad", prefix,
            inputs[0],
            graph.AddInt64Initializer(prefix + "_pads", [2 * before.Length], [.. before.Select(p => (long)p), .. after.Select(p => (long)p)]),
            graph.AddInitializer(prefix + "_value", Tensor.FromArray([value]))).Output = output;

    private int[] OutputShape(ReadOnlySpan<int> shape)
    {
        int[] result = shape.ToArray();
        for (int d = 0; d < result.Length; d++)
        {
            result[d] += before[d] + after[d];
        }

        return result;
    }

    /// <summary>Copies the inner block: from <paramref name="small"/> into <paramref name="large"/> (forward), or back (backward).</summary>
    private void Copy(int[] smallShape, int[] largeShape, float[] small, float[] large, bool into)
    {
        int rank = smallShape.Length;
        if (small.Length == 0)
        {
            return;
        }

        // Walk the small tensor's rows (all dimensions but the last); each is one contiguous run in both tensors.
        int row = rank == 0 ? 1 : smallShape[^1];
        int[] index = new int[Math.Max(rank - 1, 0)];
        for (int start = 0; start < small.Length; start += row)
        {
            int offset = 0;
            for (int d = 0; d < rank; d++)
            {
                int i = d < rank - 1 ? index[d] : 0;
                offset = (offset * largeShape[d]) + i + before[d];
            }

            if (into)
            {
                Array.Copy(small, start, large, offset, row);
            }
            else
            {
                Array.Copy(large, offset, small, start, row);
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                if (++index[d] < smallShape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }
}
