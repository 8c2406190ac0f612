namespace LeNet.Layers;

/// <summary>Dimension arithmetic of the layers that take a <c>dim</c> argument (Softmax, GLU, Unflatten), in one place.</summary>
internal static class DimArithmetic
{
    /// <summary>
    /// Resolves a possibly negative dimension against a rank, as PyTorch does (−1 is the last), or throws
    /// PyTorch's message: "dimension out of range (expected to be in range of [−rank, rank − 1], but got dim)".
    /// </summary>
    public static int Resolve(int dim, int rank, ILayer layer)
    {
        int resolved = dim < 0 ? dim + rank : dim;
        if (rank == 0 || resolved < 0 || resolved >= rank)
        {
            LayerGuard.Throw(layer, $"dimension out of range (expected to be in range of [{-Math.Max(rank, 1)}, {Math.Max(rank, 1) - 1}], but got {dim}) for an input of rank {rank}");
        }

        return resolved;
    }

    /// <summary>
    /// Views a shape as [outer, size, inner] around dimension <paramref name="dim"/> (already resolved): outer is the
    /// product of the dimensions before it, inner of those after it.
    /// </summary>
    public static (int Outer, int Size, int Inner) Split(ReadOnlySpan<int> shape, int dim)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++)
        {
            outer *= shape[i];
        }

        for (int i = dim + 1; i < shape.Length; i++)
        {
            inner *= shape[i];
        }

        return (outer, shape[dim], inner);
    }
}
