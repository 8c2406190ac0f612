namespace LeNet;

/// <summary>
/// How many threads the library's kernels may use, like <c>torch.set_num_threads</c>. Work is split
/// across the batch into chunks whose boundaries do not depend on the thread count, so results are
/// bit-identical whatever this is set to.
/// </summary>
public static class Parallelism
{
    private static int _maxDegreeOfParallelism = Environment.ProcessorCount;

    /// <summary>
    /// The most threads one call may use (default: <see cref="Environment.ProcessorCount"/>); 1 runs
    /// everything on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public static int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref _maxDegreeOfParallelism);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _maxDegreeOfParallelism, value);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every chunk index in [0, <paramref name="chunks"/>), on up to
    /// <see cref="MaxDegreeOfParallelism"/> threads (the calling thread included); inline when one
    /// thread or one chunk.
    /// </summary>
    internal static void For(int chunks, Action<int> body)
    {
        int threads = Math.Min(chunks, ThreadLimit);
        if (threads <= 1)
        {
            for (int i = 0; i < chunks; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>
    /// True where the library must not start threads: in the browser (<c>browser-wasm</c>), whose .NET runtime
    /// is single-threaded, everything runs inline on the calling thread whatever
    /// <see cref="MaxDegreeOfParallelism"/> says. A constant there, so the trimmer drops the threaded paths.
    /// </summary>
    internal static bool ThreadsUnavailable => OperatingSystem.IsBrowser() || OperatingSystem.IsWasi();

    /// <summary>How many threads a call may use: <see cref="MaxDegreeOfParallelism"/>, or 1 where threads are unavailable.</summary>
    internal static int ThreadLimit => ThreadsUnavailable ? 1 : MaxDegreeOfParallelism;

    /// <summary>Element-wise work (activations) is split across threads in ranges of this many elements (≈ 128 KB).</summary>
    internal const int ElementwiseRange = 32 * 1024;

    /// <summary>
    /// Runs <paramref name="body"/>(start, count) over [0, <paramref name="length"/>) in ranges of
    /// <paramref name="rangeLength"/> elements (the last may be shorter), in parallel as <see cref="For"/>
    /// does: for element-wise work large enough to be worth the threads.
    /// </summary>
    internal static void ForRanges(int length, int rangeLength, Action<int, int> body)
    {
        int ranges = (length + rangeLength - 1) / rangeLength;
        For(ranges, r => body(r * rangeLength, Math.Min(rangeLength, length - (r * rangeLength))));
    }
}
