using System.Numerics.Tensors;

namespace LeNet.Graphs;

/// <summary>
/// PyTorch's (and NumPy's) broadcasting: shapes aligned at their last dimension, a dimension of 1 (or a missing
/// one) stretched to the other's size. The loops walk the output with each operand's strides (0 where stretched),
/// merging adjacent dimensions that are contiguous (or stretched) in every operand, so the innermost run is long
/// and goes to <see cref="TensorPrimitives"/> as a span against a span or against a scalar.
/// </summary>
internal static class Broadcast
{
    /// <summary>The broadcast shape of <paramref name="a"/> and <paramref name="b"/>.</summary>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names the operation, both shapes and the dimension.</exception>
    public static int[] Shape(ReadOnlySpan<int> a, ReadOnlySpan<int> b, string operation)
    {
        int rank = Math.Max(a.Length, b.Length);
        int[] shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int x = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int y = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (x != y && x != 1 && y != 1)
            {
                throw new ArgumentException(
                    $"Tensor.{operation}: shapes {Tensor.FormatShape(a)} and {Tensor.FormatShape(b)} do not broadcast: the size of dimension {i - rank} is {x} and {y}; each must match or be 1.");
            }

            shape[i] = x == 1 ? y : x;
        }

        return shape;
    }

    /// <summary>Row-major strides of <paramref name="shape"/> aligned to <paramref name="output"/>, 0 where stretched.</summary>
    public static int[] Strides(ReadOnlySpan<int> shape, ReadOnlySpan<int> output)
    {
        int rank = output.Length;
        int[] strides = new int[rank];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            int o = i + (rank - shape.Length);
            strides[o] = shape[i] == 1 && output[o] != 1 ? 0 : stride;
            stride *= shape[i];
        }

        return strides;
    }

    /// <summary>y = a ∘ b with broadcasting, y of the broadcast shape.</summary>
    public static void Binary(BinaryKind kind, float[] a, int[] aShape, float[] b, int[] bShape, float[] y, int[] yShape)
    {
        if (y.Length == 0)
        {
            return;
        }

        int[] sa = Strides(aShape, yShape), sb = Strides(bShape, yShape);
        (int[] dims, int[][] strides) = Merge(yShape, [sa, sb]);
        int inner = dims[^1];
        int innerA = strides[0][^1], innerB = strides[1][^1];
        Walk(dims, strides, (offsets, outOffset) =>
        {
            Span<float> dst = y.AsSpan(outOffset, inner);
            Apply(kind, a, offsets[0], innerA, b, offsets[1], innerB, dst);
        });
    }

    private static void Apply(BinaryKind kind, float[] a, int ao, int aStride, float[] b, int bo, int bStride, Span<float> dst)
    {
        int n = dst.Length;
        if (aStride == 1 && bStride == 1)
        {
            ReadOnlySpan<float> x = a.AsSpan(ao, n), y = b.AsSpan(bo, n);
            switch (kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(x, y, dst); break;
                case BinaryKind.Subtract: TensorPrimitives.Subtract(x, y, dst); break;
                case BinaryKind.Multiply: TensorPrimitives.Multiply(x, y, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else if (aStride == 1)
        {
            ReadOnlySpan<float> x = a.AsSpan(ao, n);
            float y = b[bo];
            switch (kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(x, y, dst); break;
                case BinaryKind.Subtract: TensorPrimitives.Subtract(x, y, dst); break;
                case BinaryKind.Multiply: TensorPrimitives.Multiply(x, y, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else if (bStride == 1)
        {
            float x = a[ao];
            ReadOnlySpan<float> y = b.AsSpan(bo, n);
            switch (kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(y, x, dst); break;
                case BinaryKind.Subtract: TensorPrimitives.Subtract(x, y, dst); break;
                case BinaryKind.Multiply: TensorPrimitives.Multiply(y, x, dst); break;
                default: TensorPrimitives.Divide(x, y, dst); break;
            }
        }
        else
        {
            float x = a[ao], y = b[bo];
            dst.Fill(kind switch
            {
                BinaryKind.Add => x + y,
                BinaryKind.Subtract => x - y,
                BinaryKind.Multiply => x * y,
                _ => x / y,
            });
        }
    }

    /// <summary>Sums <paramref name="source"/> over the dimensions where <paramref name="shape"/> is stretched: the gradient of a broadcast operand.</summary>
    public static Tensor SumTo(Tensor source, int[] shape)
    {
        if (source.Shape.SequenceEqual(shape))
        {
            return source;
        }

        var result = new Tensor(shape);
        if (source.Length == 0)
        {
            return result;
        }

        float[] y = result.Data, x = source.ReadData;
        int[] sourceShape = source.Shape.ToArray();
        int[] sy = Strides(shape, sourceShape);
        int[] sx = Strides(sourceShape, sourceShape);
        (int[] dims, int[][] strides) = Merge(sourceShape, [sy, sx]);
        int inner = dims[^1];
        int innerY = strides[0][^1];
        Walk(dims, strides, (offsets, _) =>
        {
            ReadOnlySpan<float> run = x.AsSpan(offsets[1], inner);
            if (innerY == 1)
            {
                Span<float> dst = y.AsSpan(offsets[0], inner);
                TensorPrimitives.Add(dst, run, dst);
            }
            else
            {
                y[offsets[0]] += TensorPrimitives.Sum(run);
            }
        });
        return result;
    }

    /// <summary>Copies <paramref name="source"/> stretched to <paramref name="shape"/> (the backward of a sum or a mean over dimensions).</summary>
    public static Tensor Expand(Tensor source, int[] shape)
    {
        var result = new Tensor(shape);
        var zero = new Tensor([]);
        Binary(BinaryKind.Add, source.ReadData, source.Shape.ToArray(), zero.ReadData, [], result.Data, shape);
        return result;
    }

    /// <summary>Merges adjacent dimensions where every operand is contiguous across them (or stretched across both); drops size-1 dimensions.</summary>
    private static (int[] Dims, int[][] Strides) Merge(int[] shape, int[][] strides)
    {
        var dims = new List<int>();
        var merged = strides.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1)
            {
                continue;
            }

            bool mergeable = dims.Count > 0;
            for (int k = 0; k < strides.Length && mergeable; k++)
            {
                int previous = merged[k][^1];
                mergeable = previous == strides[k][i] * shape[i];
            }

            if (mergeable)
            {
                dims[^1] *= shape[i];
                for (int k = 0; k < strides.Length; k++)
                {
                    merged[k][^1] = strides[k][i];
                }
            }
            else
            {
                dims.Add(shape[i]);
                for (int k = 0; k < strides.Length; k++)
                {
                    merged[k].Add(strides[k][i]);
                }
            }
        }

        if (dims.Count == 0)
        {
            dims.Add(1);
            foreach (List<int> list in merged)
            {
                list.Add(1);
            }
        }

        return ([.. dims], [.. merged.Select(list => list.ToArray())]);
    }

    /// <summary>Calls <paramref name="run"/> once per innermost run with each operand's offset and the output's (row-major over <paramref name="dims"/>).</summary>
    private static void Walk(int[] dims, int[][] strides, Action<int[], int> run)
    {
        int outer = 1;
        for (int d = 0; d < dims.Length - 1; d++)
        {
            outer *= dims[d];
        }

        int inner = dims[^1];
        int[] index = new int[dims.Length];
        int[] offsets = new int[strides.Length];
        for (int r = 0; r < outer; r++)
        {
            run(offsets, r * inner);

            // Advance the outer index, odometer style, updating the operands' offsets.
            for (int d = dims.Length - 2; d >= 0; d--)
            {
                index[d]++;
                for (int k = 0; k < strides.Length; k++)
                {
                    offsets[k] += strides[k][d];
                }

                if (index[d] < dims[d])
                {
                    break;
                }

                for (int k = 0; k < strides.Length; k++)
                {
                    offsets[k] -= strides[k][d] * dims[d];
                }

                index[d] = 0;
            }
        }
    }
}

/// <summary>The four arithmetic operations.</summary>
internal enum BinaryKind
{
    Add,
    Subtract,
    Multiply,
    Divide,
}
