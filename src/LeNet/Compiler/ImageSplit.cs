using LeNet.Inference;
using LeNet.Kernels;
using LeNet.Kernels.Simd;

namespace LeNet.Compiler;

/// <summary>
/// Both cores for one image: a call whose images form a single chunk (batch 1, or a batch the tile path
/// keeps whole) would leave every other thread idle, so a single-image stage with enough work splits its
/// output rows (a convolution) or output blocks (a dense layer) across this team's threads
/// (<see cref="IRowStage"/>). Each output is computed by exactly the arithmetic it has on one thread, so the results are the same bits whatever the thread count.
/// One per calling thread (<see cref="ForCurrentThread"/>), shared by every <see cref="Predictor"/> that thread runs: a graph
/// network's segments are separate predictors, and with a team each their helpers would not outlive one segment — the next
/// segment queued a new helper while the last one still spun on the other core, and its splits started late.
/// </summary>
internal sealed class ImageSplit : IChunkWork
{
    [ThreadStatic]
    private static ImageSplit? _current;

    /// <summary>The helper spins up to 1 ms between splits: long enough to bridge a forward's unsplit stages and segment boundaries.</summary>
    private readonly ParallelTeam _team = new(TimeSpan.FromMilliseconds(1));
    private float[][] _scratch = [];
    private IRowStage? _stage;
    private Workspace? _workspace;
    private SimdWidth _width;
    private int _parts;

    /// <summary>The calling thread's split: every predictor a thread runs (a graph network's segments) shares its team, so the helper stays awake from one stage to the next.</summary>
    public static ImageSplit ForCurrentThread => _current ??= new ImageSplit();

    /// <summary>The threads a split may use now (<see cref="Parallelism.ThreadLimit"/>).</summary>
    public static int Threads => Parallelism.ThreadLimit;

    /// <summary>Runs <paramref name="stage"/>'s rows in <paramref name="parts"/> contiguous parts, one chunk each.</summary>
    public void Run(IRowStage stage, Workspace workspace, SimdWidth width, int parts)
    {
        if (_scratch.Length < parts)
        {
            _scratch = [.. Enumerable.Range(0, parts).Select(_ => new float[ConvChannelsKernel.ChannelAlign])];
        }

        (_stage, _workspace, _width, _parts) = (stage, workspace, width, parts);
        try
        {
            _team.Run(parts, this);
        }
        finally
        {
            (_stage, _workspace) = (null, null);
        }
    }

    void IChunkWork.Run(int chunk, int worker) => _stage!.RunRows(_workspace!, _width, chunk, _parts, _scratch[chunk]);
}

/// <summary>A single-image stage whose output rows can be computed in parts on several threads (see <see cref="ImageSplit"/>).</summary>
internal interface IRowStage
{
    /// <summary>Computes part <paramref name="part"/> of <paramref name="parts"/> of the output rows; <paramref name="scratch"/> is this part's own 16 floats.</summary>
    void RunRows(Workspace workspace, SimdWidth width, int part, int parts, Span<float> scratch);
}
