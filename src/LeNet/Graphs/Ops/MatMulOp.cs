using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Graphs.Ops;

/// <summary>
/// The matrix product of two tensors, like <c>torch.matmul</c> and ONNX <c>MatMul</c>, for the forms a graph needs:
/// A [… m, k] · B [k, n] → [… m, n] (B shared by every matrix of A), or A [b…, m, k] · B [b…, k, n] → [b…, m, n]
/// with the same leading dimensions (a batch of products). Both inputs may be computed, and both get gradients.
/// </summary>
internal sealed class MatMulOp : TensorOp
{
    public static readonly MatMulOp Instance = new();

    private MatMulOp()
    {
    }

    public override string Name => "matmul";

    /// <summary>The output shape, or an <see cref="ArgumentException"/> naming both shapes.</summary>
    public static int[] OutputShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        bool shared = b.Length == 2 && a.Length >= 2;
        bool batched = a.Length == b.Length && a.Length >= 2 && a[..^2].SequenceEqual(b[..^2]);
        if (!(shared || batched) || a[^1] != b[^2])
        {
            throw new ArgumentException($"MatMul of {Tensor.FormatShape(a)} by {Tensor.FormatShape(b)}: expected [… m, k] by [k, n] or [b…, m, k] by [b…, k, n] with equal k and equal leading dimensions.");
        }

        int[] shape = a.ToArray();
        shape[^1] = b[^1];
        return shape;
    }

    public override Tensor Forward(Tensor[] inputs)
    {
        (Tensor a, Tensor b) = (inputs[0], inputs[1]);
        var y = new Tensor(OutputShape(a.Shape, b.Shape));
        (int batches, int m, int k, int n, bool shared) = Sizes(a, b);
        ReadOnlySpan<float> av = a.ReadData, bv = b.ReadData;
        Span<float> yv = y.Data;
        if (shared)
        {
            Gemm.AddProducts(av, k, 1, bv, yv, batches * m, k, n, accumulate: false); // [batches·m, k] · [k, n]
            return y;
        }

        for (int i = 0; i < batches; i++)
        {
            Gemm.AddProducts(av.Slice(i * m * k, m * k), k, 1, bv.Slice(i * k * n, k * n), yv.Slice(i * m * n, m * n), m, k, n, accumulate: false);
        }

        return y;
    }

    // Y = A·B: dA = dY·Bᵀ, dB = Aᵀ·dY (summed over A's matrices when B is shared).
    public override Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed)
    {
        (Tensor a, Tensor b) = (inputs[0], inputs[1]);
        (int batches, int m, int k, int n, bool shared) = Sizes(a, b);
        ReadOnlySpan<float> av = a.ReadData, bv = b.ReadData, dy = outputGradient.ReadData;
        Tensor? da = needed[0] ? new Tensor(a.Shape.ToArray()) : null;
        Tensor? db = needed[1] ? new Tensor(b.Shape.ToArray()) : null;
        int matrices = shared ? 1 : batches, rows = shared ? batches * m : m;
        float[] bt = new float[n * k];
        for (int i = 0; i < matrices; i++)
        {
            ReadOnlySpan<float> ai = av.Slice(i * rows * k, rows * k), bi = bv.Slice(i * k * n, k * n), dyi = dy.Slice(i * rows * n, rows * n);
            if (da is not null)
            {
                for (int t = 0; t < k; t++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        bt[(j * k) + t] = bi[(t * n) + j];
                    }
                }

                Gemm.AddProducts(dyi, n, 1, bt, da.Data.AsSpan(i * rows * k, rows * k), rows, n, k, accumulate: false); // [rows, n] · [n, k]
            }

            if (db is not null)
            {
                Gemm.AddProducts(ai, 1, k, dyi, db.Data.AsSpan(i * k * n, k * n), k, rows, n, accumulate: false); // Aᵀ [k, rows] · [rows, n]
            }
        }

        return [da, db];
    }

    public override void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output) =>
        graph.AddNode("MatMul", prefix, inputs[0], inputs[1]).Output = output;

    private static (int Batches, int M, int K, int N, bool Shared) Sizes(Tensor a, Tensor b)
    {
        int batches = 1;
        for (int d = 0; d < a.Rank - 2; d++)
        {
            batches *= a.Shape[d];
        }

        return (batches, a.Shape[^2], a.Shape[^1], b.Shape[^1], b.Rank == 2);
    }
}
