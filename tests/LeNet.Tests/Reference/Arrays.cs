namespace LeNet.Tests.Reference;

/// <summary>Moves values between the library's flat tensors and the oracle's multi-dimensional arrays.</summary>
public static class Arrays
{
    public static float[,,,] To4D(Tensor t)
    {
        ReadOnlySpan<int> s = t.Shape;
        var result = new float[s[0], s[1], s[2], s[3]];
        Buffer.BlockCopy(t.ToArray(), 0, result, 0, t.Length * sizeof(float));
        return result;
    }

    public static float[,] To2D(Tensor t)
    {
        ReadOnlySpan<int> s = t.Shape;
        var result = new float[s[0], s[1]];
        Buffer.BlockCopy(t.ToArray(), 0, result, 0, t.Length * sizeof(float));
        return result;
    }

    public static float[] Flat(Array array)
    {
        var result = new float[array.Length];
        Buffer.BlockCopy(array, 0, result, 0, array.Length * sizeof(float));
        return result;
    }

    /// <summary>A tensor of values from U(−1, 1), drawn from a seeded generator.</summary>
    public static Tensor Random(Random random, params int[] shape)
    {
        var t = new Tensor(shape);
        Span<float> span = t.AsSpan();
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return t;
    }
}
