using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace LeNet;

/// <summary>
/// Runs chunks on the calling thread plus up to <see cref="Parallelism.MaxDegreeOfParallelism"/> − 1
/// thread-pool helpers (none in the browser, see <see cref="Parallelism.ThreadsUnavailable"/>) without allocating in steady state (unlike <see cref="Parallel.For(int, int, Action{int})"/>,
/// which allocates its closures, options and tasks every call): the helper work items are created once
/// and re-queued. The caller claims chunks from the front and the helpers from the back (see <see cref="Claim"/>), so
/// which worker runs which chunk varies with their timing, but a chunk's arithmetic never depends on it. One owner,
/// one call at a time.
/// </summary>
internal sealed class ParallelTeam(TimeSpan? linger = null)
{
    /// <summary>How long a helper spins for the next call by default: about 100 µs.</summary>
    public static readonly TimeSpan DefaultLinger = TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond / 10);

    /// <summary>How long a helper spins after its work, waiting for the next call, in <see cref="Stopwatch"/> ticks.</summary>
    private readonly long _lingerTicks = (long)((linger ?? DefaultLinger).TotalSeconds * Stopwatch.Frequency);
    private readonly object _gate = new();
    private Helper[] _helpers = [];
    private IChunkWork? _work;
    private int _chunks;

    /// <summary>Chunks claimed so far: from the front (the caller) in the high 32 bits, from the back (the helpers) in the low 32.</summary>
    private long _claimed;
    private int _pending;
    private ExceptionDispatchInfo? _error;

    /// <summary>Runs <c>work.Run(i, worker)</c> for every i in [0, <paramref name="chunks"/>) and returns when all are done.</summary>
    public void Run(int chunks, IChunkWork work)
    {
        // Inline in the browser (no threads there) and wherever one thread is allowed or one chunk is left.
        int threads = Math.Min(chunks, Parallelism.ThreadLimit);
        if (threads <= 1)
        {
            for (int i = 0; i < chunks; i++)
            {
                work.Run(i, 0);
            }

            return;
        }

        if (_helpers.Length < threads - 1)
        {
            Grow(threads - 1);
        }

        _work = work;
        _chunks = chunks;
        _claimed = 0;
        _error = null;
        Volatile.Write(ref _pending, threads - 1);
        for (int h = 0; h < threads - 1; h++)
        {
            _helpers[h].Start();
        }

        Work(0);

        // Helpers the pool has not started yet are not waited for: the chunks are all claimed already.
        for (int h = 0; h < threads - 1; h++)
        {
            if (_helpers[h].TryCancel())
            {
                HelperDone();
            }
        }

        // The last chunks finish within a chunk's time of each other: spin up to the linger time before sleeping
        // (a sleeping caller wakes tens of microseconds after the helper's last chunk, every call).
        long end = Stopwatch.GetTimestamp() + _lingerTicks;
        while (Volatile.Read(ref _pending) != 0 && Stopwatch.GetTimestamp() < end)
        {
            Thread.SpinWait(20);
        }

        if (Volatile.Read(ref _pending) != 0)
        {
            lock (_gate)
            {
                while (Volatile.Read(ref _pending) != 0)
                {
                    Monitor.Wait(_gate);
                }
            }
        }

        _work = null;
        _error?.Throw();
    }

    private void Grow(int count)
    {
        var helpers = new Helper[count];
        _helpers.CopyTo(helpers, 0);
        for (int h = _helpers.Length; h < count; h++)
        {
            helpers[h] = new Helper(this, h + 1);
        }

        _helpers = helpers;
    }

    private void Work(int worker)
    {
        try
        {
            int i;
            while ((i = Claim(worker)) >= 0)
            {
                _work!.Run(i, worker);
            }
        }
#pragma warning disable CA1031 // A helper's exception is handed to the caller, which rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            Volatile.Write(ref _claimed, (long)_chunks << 32);
        }
    }

    /// <summary>
    /// The next chunk for <paramref name="worker"/>, or −1 when all are claimed. The caller (worker 0) takes chunks from
    /// the front and the helpers from the back: with two threads, consecutive splits of one image's rows (a network's
    /// layers) give each core mostly the rows it wrote in the split before, where dealing chunks from one counter
    /// interleaved them at random and sent half the map from one core's cache to the other's at every layer. A helper
    /// that starts late still leaves the caller every chunk it has not claimed.
    /// </summary>
    private int Claim(int worker)
    {
        while (true)
        {
            long state = Volatile.Read(ref _claimed);
            long front = state >> 32, back = state & 0xFFFFFFFF;
            if (front + back >= _chunks)
            {
                return -1;
            }

            long next = worker == 0 ? state + (1L << 32) : state + 1;
            if (Interlocked.CompareExchange(ref _claimed, next, state) == state)
            {
                return worker == 0 ? (int)front : _chunks - 1 - (int)back;
            }
        }
    }

    private void HelperDone()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>
    /// One reusable thread-pool work item. States: 0 idle, 1 started (queued), 2 running. A queue entry
    /// left over from an earlier call, cancelled before it ran, serves the next call instead of a new one.
    /// After its work a helper keeps its thread for the team's linger time, spinning, so that
    /// back-to-back calls (a batch loop, a benchmark) find it awake instead of paying the thread pool's
    /// wake-up latency every call (ONNX Runtime's and OpenMP's workers spin the same way).
    /// </summary>
    private sealed class Helper(ParallelTeam team, int worker) : IThreadPoolWorkItem
    {
        private int _state;
        private int _queued;
        private int _lingering;

        public void Start()
        {
            Interlocked.Exchange(ref _state, 1);

            // A lingering helper picks the call up itself; otherwise (or if it is just leaving) queue one.
            if (Volatile.Read(ref _lingering) == 0 && Interlocked.Exchange(ref _queued, 1) == 0)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }

        /// <summary>Cancels a helper that has not started: true when it will now never run this call.</summary>
        public bool TryCancel() => Interlocked.CompareExchange(ref _state, 0, 1) == 1;

        public void Execute()
        {
            Volatile.Write(ref _queued, 0);
            do
            {
                // A call that cancelled this helper before it got here (its caller ran every chunk) leaves it lingering.
                while (Interlocked.CompareExchange(ref _state, 2, 1) == 1)
                {
                    // Lingering from now on, before the caller can see this call done: the next call then finds the
                    // helper awake instead of queueing a second item, whose thread would spin beside this one.
                    Interlocked.Exchange(ref _lingering, 1);
                    team.Work(worker);
                    Volatile.Write(ref _state, 0);
                    team.HelperDone();
                }
            }
            while (Linger());
        }

        /// <summary>Spins until the next call starts this helper (true) or the linger time is over (false).</summary>
        private bool Linger()
        {
            Interlocked.Exchange(ref _lingering, 1);
            long end = Stopwatch.GetTimestamp() + team._lingerTicks;
            while (Volatile.Read(ref _state) != 1 && Stopwatch.GetTimestamp() < end)
            {
                Thread.SpinWait(20);
            }

            // Leave, then look once more: a call that saw us lingering did not queue an item.
            Interlocked.Exchange(ref _lingering, 0);
            return Volatile.Read(ref _state) == 1;
        }
    }
}
