using System.Runtime.CompilerServices;

namespace LeNet.Graphs;

/// <summary>
/// The arrays a <see cref="Layers.Module"/>'s training steps reuse: activations of the last recorded forward come back when
/// the next training-mode forward starts, gradients as soon as the backward has consumed them, so a steady
/// training loop allocates (and the GC zeroes and collects) no feature maps.
/// </summary>
/// <remarks>
/// Handed only to layers whose forward and backward overwrite every element of their result
/// (<see cref="Layers.Layer.OverwritesResults"/>): a rented array holds old values. One thread at a time, like a Module's training.
/// </remarks>
internal sealed class TrainingBufferPool
{
    [ThreadStatic]
    private static TrainingBufferPool? _current;

    private readonly Dictionary<int, Stack<float[]>> _free = [];
    // Each array lent out, with whether it holds a gradient (lent while a backward runs) or an activation.
    private readonly Dictionary<float[], bool> _rented = new(ReferenceEqualityComparer.Instance);

    /// <summary>The pool the layers running now on this thread may rent from, or null (then they allocate).</summary>
    public static TrainingBufferPool? Current => _current;

    /// <summary>Whether the arrays lent now hold gradients (a backward runs) rather than activations.</summary>
    public bool LendingGradients { get; set; }

    /// <summary>Makes <paramref name="pool"/> current on this thread until the returned scope ends.</summary>
    public static Scope Use(TrainingBufferPool? pool)
    {
        TrainingBufferPool? outer = _current;
        _current = pool;
        return new Scope(outer);
    }

    /// <summary>An array of exactly <paramref name="length"/> floats, holding whatever it held before.</summary>
    public float[] Rent(int length)
    {
        float[] array = _free.TryGetValue(length, out Stack<float[]>? stack) && stack.Count > 0 ? stack.Pop() : new float[length];
        _rented[array] = LendingGradients;
        return array;
    }

    /// <summary>Whether <paramref name="array"/> is lent out by this pool as a gradient.</summary>
    public bool IsGradient(float[] array) => _rented.TryGetValue(array, out bool gradient) && gradient;

    /// <summary>Takes back <paramref name="array"/> if this pool lent it and it is not back yet; otherwise does nothing.</summary>
    public void Return(float[] array)
    {
        if (!_rented.Remove(array))
        {
            return;
        }

        if (!_free.TryGetValue(array.Length, out Stack<float[]>? stack))
        {
            _free[array.Length] = stack = new Stack<float[]>();
        }

        stack.Push(array);
    }

    /// <summary>Lets <paramref name="array"/> go for good (a result the caller keeps): it is never handed out again.</summary>
    public void Forget(float[] array) => _rented.Remove(array);

    /// <summary>Restores the previous current pool.</summary>
    public readonly struct Scope(TrainingBufferPool? outer) : IDisposable
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _current = outer;
    }
}
