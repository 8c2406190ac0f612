using System.Diagnostics.CodeAnalysis;
using LeNet.Graphs.Ops;

namespace LeNet;

/// <summary>
/// Tensor operations with PyTorch's names, semantics and broadcasting, differentiable inside a
/// <see cref="Layers.Module"/>'s forward: while the forward is recorded, each operation is recorded too, and
/// <see cref="Layers.Module.Backward(Tensor)"/> differentiates it (sums over stretched dimensions, splits at
/// concatenations, the product and quotient rules). Every result is a new tensor, except <see cref="Reshape"/>,
/// <see cref="Flatten"/>, <see cref="Unsqueeze"/> and <see cref="Squeeze"/>, which return views.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting, like <c>a + b</c> in PyTorch (<c>[N, C, H, W] + [N, C, 1, 1]</c>).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast; the message names both and the dimension.</exception>
    public static Tensor operator +(Tensor a, Tensor b) => BinaryOp.Add.Apply(Checked(a, nameof(a)), Checked(b, nameof(b)));

    /// <summary>Element-wise difference with broadcasting, like <c>a - b</c>.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator -(Tensor a, Tensor b) => BinaryOp.Subtract.Apply(Checked(a, nameof(a)), Checked(b, nameof(b)));

    /// <summary>Element-wise product with broadcasting, like <c>a * b</c> (a squeeze-and-excitation scale: <c>[N, C, H, W] * [N, C, 1, 1]</c>).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator *(Tensor a, Tensor b) => BinaryOp.Multiply.Apply(Checked(a, nameof(a)), Checked(b, nameof(b)));

    /// <summary>Element-wise quotient with broadcasting, like <c>a / b</c>.</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    /// <exception cref="ArgumentException">The shapes do not broadcast.</exception>
    public static Tensor operator /(Tensor a, Tensor b) => BinaryOp.Divide.Apply(Checked(a, nameof(a)), Checked(b, nameof(b)));

    /// <summary>Adds a scalar to every element, like <c>a + s</c>.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="s">The scalar.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator +(Tensor a, float s) => BinaryOp.Add.Apply(Checked(a, nameof(a)), BinaryOp.Scalar(s));

    /// <summary>Adds a scalar to every element, like <c>s + a</c>.</summary>
    /// <param name="s">The scalar.</param>
    /// <param name="a">The tensor.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator +(float s, Tensor a) => BinaryOp.Add.Apply(BinaryOp.Scalar(s), Checked(a, nameof(a)));

    /// <summary>Subtracts a scalar from every element, like <c>a - s</c>.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="s">The scalar.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator -(Tensor a, float s) => BinaryOp.Subtract.Apply(Checked(a, nameof(a)), BinaryOp.Scalar(s));

    /// <summary>Subtracts every element from a scalar, like <c>s - a</c>.</summary>
    /// <param name="s">The scalar.</param>
    /// <param name="a">The tensor.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator -(float s, Tensor a) => BinaryOp.Subtract.Apply(BinaryOp.Scalar(s), Checked(a, nameof(a)));

    /// <summary>Negates every element, like <c>-a</c>.</summary>
    /// <param name="a">The tensor.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator -(Tensor a) => BinaryOp.Multiply.Apply(Checked(a, nameof(a)), BinaryOp.Scalar(-1f));

    /// <summary>Multiplies every element by a scalar, like <c>a * s</c>.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="s">The scalar.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator *(Tensor a, float s) => BinaryOp.Multiply.Apply(Checked(a, nameof(a)), BinaryOp.Scalar(s));

    /// <summary>Multiplies every element by a scalar, like <c>s * a</c>.</summary>
    /// <param name="s">The scalar.</param>
    /// <param name="a">The tensor.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator *(float s, Tensor a) => BinaryOp.Multiply.Apply(BinaryOp.Scalar(s), Checked(a, nameof(a)));

    /// <summary>Divides every element by a scalar, like <c>a / s</c>.</summary>
    /// <param name="a">The tensor.</param>
    /// <param name="s">The scalar.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator /(Tensor a, float s) => BinaryOp.Divide.Apply(Checked(a, nameof(a)), BinaryOp.Scalar(s));

    /// <summary>Divides a scalar by every element, like <c>s / a</c>.</summary>
    /// <param name="s">The scalar.</param>
    /// <param name="a">The tensor.</param>
    /// <returns>A tensor of <paramref name="a"/>'s shape.</returns>
    public static Tensor operator /(float s, Tensor a) => BinaryOp.Divide.Apply(BinaryOp.Scalar(s), Checked(a, nameof(a)));

    /// <summary>Element-wise sum, the named form of <c>a + b</c> (<c>torch.add</c>).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    public static Tensor Add(Tensor a, Tensor b) => a + b;

    /// <summary>Element-wise product, the named form of <c>a * b</c> (<c>torch.mul</c>).</summary>
    /// <param name="a">The left operand.</param>
    /// <param name="b">The right operand.</param>
    /// <returns>A tensor of the broadcast shape.</returns>
    public static Tensor Multiply(Tensor a, Tensor b) => a * b;

    /// <summary>
    /// Concatenates tensors along <paramref name="dim"/>, like <c>torch.cat(tensors, dim)</c>: every other dimension
    /// must match. <c>[N, 32, H, W]</c> and <c>[N, 64, H, W]</c> along 1 give <c>[N, 96, H, W]</c>.
    /// </summary>
    /// <param name="tensors">One or more tensors of the same rank.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">No tensors, ranks differ, or another dimension differs; the message names the tensor and both shapes.</exception>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0)
        {
            throw new ArgumentException("Tensor.Cat: expected a non-empty list of tensors.", nameof(tensors));
        }

        Tensor first = Checked(tensors[0], nameof(tensors));
        int d = ResolveDim(dim, first.Rank, "Cat");
        for (int i = 1; i < tensors.Count; i++)
        {
            Tensor t = Checked(tensors[i], nameof(tensors));
            bool fits = t.Rank == first.Rank;
            for (int k = 0; k < first.Rank && fits; k++)
            {
                fits = k == d || t._shape[k] == first._shape[k];
            }

            if (!fits)
            {
                throw new ArgumentException(
                    $"Tensor.Cat: tensor {i} has shape {FormatShape(t._shape)}, expected {FormatShape(first._shape)} except in dimension {d} (every other dimension must match).",
                    nameof(tensors));
            }
        }

        return new CatOp(d).Apply([.. tensors]);
    }

    /// <summary>
    /// Splits into <paramref name="chunks"/> pieces along <paramref name="dim"/>, like <c>x.chunk(chunks, dim)</c>:
    /// each of ⌈size / chunks⌉ elements, the last smaller (so there may be fewer pieces than asked).
    /// </summary>
    /// <param name="chunks">How many pieces; at least 1.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>The pieces, new tensors.</returns>
    /// <exception cref="ArgumentException">chunks is below 1 or dim is out of range.</exception>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        if (chunks < 1)
        {
            throw new ArgumentException($"Tensor.Chunk: chunks must be at least 1, got {chunks}.", nameof(chunks));
        }

        int d = ResolveDim(dim, Rank, "Chunk");
        int size = _shape[d];
        int piece = (size + chunks - 1) / chunks;
        return Split(Math.Max(piece, 1), d);
    }

    /// <summary>Splits into pieces of <paramref name="splitSize"/> along <paramref name="dim"/> (the last smaller), like <c>x.split(split_size, dim)</c>.</summary>
    /// <param name="splitSize">Elements per piece; at least 1.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>The pieces, new tensors.</returns>
    /// <exception cref="ArgumentException">splitSize is below 1 or dim is out of range.</exception>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        if (splitSize < 1)
        {
            throw new ArgumentException($"Tensor.Split: split size must be at least 1, got {splitSize}.", nameof(splitSize));
        }

        int d = ResolveDim(dim, Rank, "Split");
        int size = _shape[d];
        var sizes = new List<int>();
        for (int start = 0; start < size; start += splitSize)
        {
            sizes.Add(Math.Min(splitSize, size - start));
        }

        return Split([.. sizes], d);
    }

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>, like <c>x.split([1, 3, 2], dim)</c>.</summary>
    /// <param name="splitSizes">The pieces' sizes; they must add up to the dimension's size.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>The pieces, new tensors.</returns>
    /// <exception cref="ArgumentException">The sizes do not add up to the dimension's size, or one is negative.</exception>
    public Tensor[] Split(int[] splitSizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(splitSizes);
        int d = ResolveDim(dim, Rank, "Split");
        if (splitSizes.Any(s => s < 0) || splitSizes.Sum() != _shape[d])
        {
            throw new ArgumentException(
                $"Tensor.Split: the sizes [{string.Join(", ", splitSizes)}] must be non-negative and add up to {_shape[d]}, the size of dimension {d} of {FormatShape(_shape)}.",
                nameof(splitSizes));
        }

        var pieces = new Tensor[splitSizes.Length];
        for (int i = 0, start = 0; i < pieces.Length; start += splitSizes[i], i++)
        {
            pieces[i] = new SliceOp(d, start, splitSizes[i]).Apply(this);
        }

        return pieces;
    }

    /// <summary>The elements <c>[start, start + length)</c> along <paramref name="dim"/>, like <c>x.narrow(dim, start, length)</c> (a copy).</summary>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <param name="start">The first index.</param>
    /// <param name="length">How many.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The range is outside the dimension.</exception>
    public Tensor Narrow(int dim, int start, int length)
    {
        int d = ResolveDim(dim, Rank, "Narrow");
        if (start < 0 || length < 0 || start + length > _shape[d])
        {
            throw new ArgumentException($"Tensor.Narrow: [{start}, {start + length}) is outside dimension {d} of size {_shape[d]} of {FormatShape(_shape)}.", nameof(start));
        }

        return new SliceOp(d, start, length).Apply(this);
    }

    /// <summary>A view with another shape, the same as <see cref="Reshape"/> (PyTorch's <c>view</c> on a contiguous tensor).</summary>
    /// <param name="shape">The new shape; one dimension may be −1.</param>
    /// <returns>A view sharing this tensor's storage.</returns>
    public Tensor ViewAs(params int[] shape) => Reshape(shape);

    /// <summary>
    /// Flattens dimensions <paramref name="startDim"/> to <paramref name="endDim"/> into one, like
    /// <c>x.flatten(start_dim, end_dim)</c>: <c>[N, C, H, W].Flatten(1)</c> is <c>[N, C·H·W]</c>.
    /// </summary>
    /// <param name="startDim">The first dimension to merge; negative counts from the end.</param>
    /// <param name="endDim">The last dimension to merge; negative counts from the end.</param>
    /// <returns>A view sharing this tensor's storage.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range or start is after end.</exception>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0)
        {
            return Reshape(1);
        }

        int start = ResolveDim(startDim, Rank, "Flatten"), end = ResolveDim(endDim, Rank, "Flatten");
        if (start > end)
        {
            throw new ArgumentException($"Tensor.Flatten: start dimension {startDim} comes after end dimension {endDim} for rank {Rank}.", nameof(startDim));
        }

        int merged = 1;
        for (int d = start; d <= end; d++)
        {
            merged *= _shape[d];
        }

        return Reshape([.. _shape[..start], merged, .. _shape[(end + 1)..]]);
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/>, like <c>x.unsqueeze(dim)</c>.</summary>
    /// <param name="dim">Where, in the result's dimensions; negative counts from the end.</param>
    /// <returns>A view sharing this tensor's storage.</returns>
    public Tensor Unsqueeze(int dim)
    {
        int d = ResolveDim(dim, Rank + 1, "Unsqueeze");
        return Reshape([.. _shape[..d], 1, .. _shape[d..]]);
    }

    /// <summary>Removes dimension <paramref name="dim"/> when its size is 1, like <c>x.squeeze(dim)</c> (otherwise returns the same shape).</summary>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>A view sharing this tensor's storage.</returns>
    public Tensor Squeeze(int dim)
    {
        int d = ResolveDim(dim, Rank, "Squeeze");
        return _shape[d] != 1 ? Reshape(_shape) : Reshape([.. _shape[..d], .. _shape[(d + 1)..]]);
    }

    /// <summary>Swaps two dimensions, like <c>x.transpose(dim0, dim1)</c> (a contiguous copy here).</summary>
    /// <param name="dim0">One dimension; negative counts from the end.</param>
    /// <param name="dim1">The other.</param>
    /// <returns>A new tensor.</returns>
    public Tensor Transpose(int dim0, int dim1)
    {
        int a = ResolveDim(dim0, Rank, "Transpose"), b = ResolveDim(dim1, Rank, "Transpose");
        int[] perm = [.. Enumerable.Range(0, Rank)];
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return new PermuteOp(perm).Apply(this);
    }

    /// <summary>Reorders the dimensions, like <c>x.permute(dims)</c>: <c>[N, C, H, W].Permute(0, 2, 3, 1)</c> is <c>[N, H, W, C]</c> (a contiguous copy here).</summary>
    /// <param name="dims">A permutation of 0 … Rank − 1; negative entries count from the end.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">The entries are not a permutation of the dimensions.</exception>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length != Rank)
        {
            throw new ArgumentException($"Tensor.Permute: expected {Rank} dimensions for shape {FormatShape(_shape)}, got {dims.Length}.", nameof(dims));
        }

        int[] perm = [.. dims.Select(d => ResolveDim(d, Rank, "Permute"))];
        if (perm.Distinct().Count() != Rank)
        {
            throw new ArgumentException($"Tensor.Permute: [{string.Join(", ", dims)}] repeats a dimension.", nameof(dims));
        }

        return new PermuteOp(perm).Apply(this);
    }

    /// <summary>The mean over <paramref name="dims"/>, like <c>x.mean(dims, keepdim)</c>: <c>[N, C, H, W].Mean([2, 3])</c> is <c>[N, C]</c>.</summary>
    /// <param name="dims">The dimensions to average over; negative counts from the end; empty for all (as PyTorch).</param>
    /// <param name="keepDim">Whether they stay as dimensions of size 1.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range or listed twice.</exception>
    public Tensor Mean(int[] dims, bool keepDim = false) => Reduce(dims, keepDim, mean: true, "Mean");

    /// <summary>The mean of every element, like <c>x.mean()</c>: a 0-d tensor.</summary>
    /// <returns>A new 0-d tensor.</returns>
    public Tensor Mean() => Reduce([.. Enumerable.Range(0, Rank)], keepDim: false, mean: true, "Mean");

    /// <summary>The sum over <paramref name="dims"/>, like <c>x.sum(dims, keepdim)</c>.</summary>
    /// <param name="dims">The dimensions to add over; negative counts from the end; empty for all (as PyTorch).</param>
    /// <param name="keepDim">Whether they stay as dimensions of size 1.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">A dimension is out of range or listed twice.</exception>
    public Tensor Sum(int[] dims, bool keepDim = false) => Reduce(dims, keepDim, mean: false, "Sum");

    /// <summary>The sum of every element, like <c>x.sum()</c>: a 0-d tensor.</summary>
    /// <returns>A new 0-d tensor.</returns>
    public Tensor Sum() => Reduce([.. Enumerable.Range(0, Rank)], keepDim: false, mean: false, "Sum");

    private Tensor Reduce(int[] dims, bool keepDim, bool mean, string operation)
    {
        ArgumentNullException.ThrowIfNull(dims);
        int[] resolved = [.. dims.Select(d => ResolveDim(d, Rank, operation)).Order()];
        for (int i = 1; i < resolved.Length; i++)
        {
            if (resolved[i] == resolved[i - 1])
            {
                throw new ArgumentException($"Tensor.{operation}: dimension {resolved[i]} appears more than once in [{string.Join(", ", dims)}].", nameof(dims));
            }
        }

        if (resolved.Length == 0)
        {
            // PyTorch reads an empty list of dimensions as all of them.
            resolved = [.. Enumerable.Range(0, Rank)];
        }

        return new ReduceOp(resolved, keepDim, mean).Apply(this);
    }

    /// <summary>A dimension index in [0, rank), negative ones counted from the end, as PyTorch wraps them.</summary>
    private static int ResolveDim(int dim, int rank, string operation)
    {
        int resolved = dim < 0 ? dim + rank : dim;
        if (resolved < 0 || resolved >= rank)
        {
            ThrowDim(dim, rank, operation);
        }

        return resolved;
    }

    [DoesNotReturn]
    private static void ThrowDim(int dim, int rank, string operation) =>
        throw new ArgumentException($"Tensor.{operation}: dimension {dim} is out of range for a tensor of rank {rank} (expected {-Math.Max(rank, 1)} … {Math.Max(rank, 1) - 1}).", nameof(dim));

    private static Tensor Checked(Tensor? tensor, string name) => tensor ?? throw new ArgumentNullException(name);
}
