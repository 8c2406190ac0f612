using LeNet.IO;

namespace LeNet.Graphs.Ops;

/// <summary><c>a + b</c>, <c>a − b</c>, <c>a · b</c>, <c>a / b</c> with broadcasting (a scalar is a 0-d tensor).</summary>
internal sealed class BinaryOp : TensorOp
{
    public static readonly BinaryOp Add = new(BinaryKind.Add);
    public static readonly BinaryOp Subtract = new(BinaryKind.Subtract);
    public static readonly BinaryOp Multiply = new(BinaryKind.Multiply);
    public static readonly BinaryOp Divide = new(BinaryKind.Divide);

    private readonly BinaryKind _kind;

    private BinaryOp(BinaryKind kind) => _kind = kind;

    public override string Name => _kind switch
    {
        BinaryKind.Add => "add",
        BinaryKind.Subtract => "sub",
        BinaryKind.Multiply => "mul",
        _ => "div",
    };

    public override int[]? OutputShape(Tensor[] inputs) => Broadcast.Shape(inputs[0].Shape, inputs[1].Shape, _kind.ToString());

    public override Tensor Forward(Tensor[] inputs) => Compute(inputs, null);

    /// <remarks>Every element of the result is written, so a residual block's sum reuses an array across training steps.</remarks>
    public override Tensor Forward(Tensor[] inputs, TrainingBufferPool pool) => Compute(inputs, pool);

    private Tensor Compute(Tensor[] inputs, TrainingBufferPool? pool)
    {
        (Tensor a, Tensor b) = (inputs[0], inputs[1]);
        int[] shape = Broadcast.Shape(a.Shape, b.Shape, _kind.ToString());
        Tensor y = pool is null ? new Tensor(shape) : Tensor.Wrap(pool.Rent(shape.Aggregate(1, (n, size) => n * size)), shape);
        Broadcast.Binary(_kind, a.ReadData, a.Shape.ToArray(), b.ReadData, b.Shape.ToArray(), y.Data, shape);
        return y;
    }

    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        (Tensor a, Tensor b) = (inputs[0], inputs[1]);
        int[] aShape = a.Shape.ToArray(), bShape = b.Shape.ToArray();
        Tensor? da = null, db = null;
        switch (_kind)
        {
            case BinaryKind.Add:
                da = needed[0] ? Broadcast.SumTo(outputGradient, aShape) : null;
                db = needed[1] ? Broadcast.SumTo(outputGradient, bShape) : null;
                break;
            case BinaryKind.Subtract:
                da = needed[0] ? Broadcast.SumTo(outputGradient, aShape) : null;
                db = needed[1] ? Broadcast.SumTo(Multiply.Forward([outputGradient, Scalar(-1)]), bShape) : null;
                break;
            case BinaryKind.Multiply:
                // d(a·b) = da·b + a·db
                da = needed[0] ? Broadcast.SumTo(Multiply.Forward([outputGradient, b]), aShape) : null;
                db = needed[1] ? Broadcast.SumTo(Multiply.Forward([outputGradient, a]), bShape) : null;
                break;
            default:
                // y = a / b: da = dy / b, db = −dy · a / b² = −dy · y / b
                da = needed[0] ? Broadcast.SumTo(Divide.Forward([outputGradient, b]), aShape) : null;
                db = needed[1] ? Broadcast.SumTo(Divide.Forward([Multiply.Forward([outputGradient, output]), b]), bShape) is { } q ? Negate(q) : null : null;
                break;
        }

        return [da, db];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode(_kind switch
        {
            BinaryKind.Add => "Add",
            BinaryKind.Subtract => "Sub",
            BinaryKind.Multiply => "Mul",
            _ => "Div",
        }, prefix, inputs).Output = output;

    /// <summary>A 0-d tensor holding <paramref name="value"/>: a scalar operand.</summary>
    public static Tensor Scalar(float value)
    {
        var scalar = new Tensor([]);
        scalar.Data[0] = value;
        return scalar;
    }

    private static Tensor Negate(Tensor x)
    {
        float[] data = x.Data;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = -data[i];
        }

        return x;
    }
}
