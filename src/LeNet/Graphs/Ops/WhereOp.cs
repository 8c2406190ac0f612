using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary>
/// A select with a constant condition, like <c>torch.where(condition, x, y)</c> and ONNX <c>Where</c>:
/// condition [c], x [a], y [b] broadcast together → output [broadcast of c, a, b], each element x's where the
/// condition holds and y's elsewhere. The branch not taken is never read, so an infinite or NaN value there does
/// not reach the output. The gradient goes to x where the condition holds and to y elsewhere (summed over
/// stretched dimensions), none to the condition.
/// </summary>
internal sealed class WhereOp : TensorOp
{
    // The condition as 0 (false) and 1 (true), so Broadcast.Expand stretches it like an operand.
    private readonly Tensor _mask;

    /// <summary>A select by <paramref name="condition"/> (nonzero is true) of shape <paramref name="shape"/>.</summary>
    public WhereOp(ReadOnlySpan<bool> condition, int[] shape)
    {
        _mask = new Tensor(shape);
        if (condition.Length != _mask.Length)
        {
            throw new ArgumentException($"Where: a condition of {condition.Length} values does not fill shape {Tensor.FormatShape(shape)} ({_mask.Length} values).", nameof(condition));
        }

        Span<float> mask = _mask.Data;
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = condition[i] ? 1f : 0f;
        }
    }

    public override string Name => "where";

    public override Tensor Forward(Tensor[] inputs)
    {
        (Tensor x, Tensor y) = (inputs[0], inputs[1]);
        int[] shape = Broadcast.Shape(Broadcast.Shape(_mask.Shape, x.Shape, "Where"), y.Shape, "Where");
        var output = new Tensor(shape);
        Select(shape, _mask.ReadData, Broadcast.Strides(_mask.Shape, shape),
            x.ReadData, Broadcast.Strides(x.Shape, shape), y.ReadData, Broadcast.Strides(y.Shape, shape), output.Data);
        return output;
    }

    // out = m ? x : y: ∂out/∂x = m, ∂out/∂y = 1 − m, as selects of dy (0·dy would turn an infinite dy into NaN).
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        (Tensor x, Tensor y) = (inputs[0], inputs[1]);
        int[] shape = outputGradient.Shape.ToArray();
        int[] maskStrides = Broadcast.Strides(_mask.Shape, shape), dense = Broadcast.Strides(shape, shape), scalar = new int[shape.Length];
        float[] zero = [0f];
        Tensor? dx = null, dy = null;
        if (needed[0])
        {
            var full = new Tensor(shape);
            Select(shape, _mask.ReadData, maskStrides, outputGradient.ReadData, dense, zero, scalar, full.Data);
            dx = Broadcast.SumTo(full, x.Shape.ToArray());
        }

        if (needed[1])
        {
            var full = new Tensor(shape);
            Select(shape, _mask.ReadData, maskStrides, zero, scalar, outputGradient.ReadData, dense, full.Data);
            dy = Broadcast.SumTo(full, y.Shape.ToArray());
        }

        return [dx, dy];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output)
    {
        ReadOnlySpan<float> mask = _mask.ReadData;
        bool[] condition = new bool[mask.Length];
        for (int i = 0; i < condition.Length; i++)
        {
            condition[i] = mask[i] != 0;
        }

        string name = graph.AddBoolInitializer(prefix + "_condition", [.. _mask.Shape.ToArray().Select(d => (long)d)], condition);
        graph.AddNode("Where", prefix, name, inputs[0], inputs[1]).Output = output;
    }

    /// <summary>
    /// destination[i] = mask ≠ 0 ? whenTrue : whenFalse at output index i, each operand read through its strides
    /// (0 where stretched): a copy, never arithmetic, so −0, infinities and NaN payloads pass unchanged.
    /// </summary>
    private static void Select(int[] shape, float[] mask, int[] maskStrides, float[] whenTrue, int[] trueStrides, float[] whenFalse, int[] falseStrides, float[] destination)
    {
        int rank = shape.Length;
        int[] index = new int[rank];
        int m = 0, t = 0, f = 0;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = mask[m] != 0 ? whenTrue[t] : whenFalse[f];

            // Advance the index, odometer style, with each operand's offset.
            for (int d = rank - 1; d >= 0; d--)
            {
                m += maskStrides[d];
                t += trueStrides[d];
                f += falseStrides[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                m -= maskStrides[d] * shape[d];
                t -= trueStrides[d] * shape[d];
                f -= falseStrides[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
