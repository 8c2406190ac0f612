using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>The dimensions reordered, like <c>x.permute(dims)</c> and <c>x.transpose(a, b)</c> (a contiguous copy here).</summary>
internal sealed class PermuteOp(int[] dims) : TensorOp
{
    public override string Name => "permute";

    public override Tensor Forward(Tensor[] inputs) => Permute(inputs[0], dims);

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        int[] inverse = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            inverse[dims[i]] = i;
        }

        return [Permute(outputGradient, inverse)];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("Transpose", prefix, inputs[0]).Ints("perm", [.. dims.Select(d => (long)d)]).Output = output;

    /// <summary>y[i0, i1, …] = x[indices permuted back]: walks y in order, reading x with permuted strides.</summary>
    private static Tensor Permute(Tensor x, int[] perm)
    {
        int rank = perm.Length;
        int[] inShape = x.Shape.ToArray();
        int[] inStrides = new int[rank];
        for (int d = rank - 1, stride = 1; d >= 0; d--)
        {
            inStrides[d] = stride;
            stride *= inShape[d];
        }

        int[] shape = [.. perm.Select(p => inShape[p])];
        int[] strides = [.. perm.Select(p => inStrides[p])];
        var y = new Tensor(shape);
        if (y.Length == 0)
        {
            return y;
        }

        float[] src = x.ReadData, dst = y.Data;
        int inner = shape[^1], innerStride = strides[^1];
        int[] index = new int[rank];
        int offset = 0;
        for (int start = 0; start < dst.Length; start += inner)
        {
            if (innerStride == 1)
            {
                Array.Copy(src, offset, dst, start, inner);
            }
            else
            {
                for (int i = 0, s = offset; i < inner; i++, s += innerStride)
                {
                    dst[start + i] = src[s];
                }
            }

            for (int d = rank - 2; d >= 0; d--)
            {
                index[d]++;
                offset += strides[d];
                if (index[d] < shape[d])
                {
                    break;
                }

                offset -= strides[d] * shape[d];
                index[d] = 0;
            }
        }

        return y;
    }
}
