using System.Collections.Concurrent;
using LeNet.Compiler;
using LeNet.Kernels.Simd;
using LeNet.Layers;

namespace LeNet.Inference;

/// <summary>
/// The engine behind evaluation-mode <see cref="Layer.Forward"/>: the model compiled into the
/// <see cref="Predictor"/>'s plan, once per input shape (without the batch), cached and reused.
/// </summary>
/// <remarks>
/// <para><b>Weights stay live.</b> A plan snapshots (packs) the weights; it remembers the
/// <see cref="Tensor.Version"/> of every parameter and buffer it read, and every call checks them first.
/// When one moved (<c>LoadStateDict</c>, <c>Load</c>, an optimizer step, <c>Init.*</c>, a write through
/// <see cref="Tensor.AsSpan"/> or the indexer), the shape's plan is compiled again before the call runs.</para>
/// <para><b>Concurrent callers</b> never wait for each other: the packed weights are shared and read-only,
/// and each concurrent call rents a runner (its own workspaces and thread team) from a pool, so a
/// server sharing one model runs as many calls at once as it has request threads, with no lock held
/// while computing. A runner is about 200 KB for LeNet; the pool keeps as many as ever ran at once.</para>
/// <para>A model the plan cannot compile (a layer it does not know, or an input shape it does not
/// take) runs layer by layer through each layer's own <see cref="ILayer.Forward"/>, as before.</para>
/// </remarks>
internal sealed class CompiledForward
{
    /// <summary>How many input shapes are kept compiled; a model called with more shapes recompiles the oldest.</summary>
    private const int MaxShapes = 8;

    private readonly Sequential _model;
    private readonly ILayer[] _leaves;
    private readonly Lock _compileLock = new();
    private Entry[] _entries = [];
    private int _compilations;

    public CompiledForward(Sequential model)
    {
        _model = model;
        _leaves = [.. StageCompiler.Leaves(model).Select(leaf => leaf.Layer)];
    }

    /// <summary>How many times a plan was compiled (a new shape, or weights that moved); for the tests.</summary>
    internal int Compilations => Volatile.Read(ref _compilations);

    /// <summary>Runners created for <paramref name="imageShape"/>'s current plan (how many calls ever ran at once); for the tests.</summary>
    internal int RunnerCount(params int[] imageShape) => Find(imageShape)?.Runners ?? 0;

    /// <summary>Runs <paramref name="input"/> through the compiled plan; false when the model or shape does not compile (the caller then runs the layers).</summary>
    public bool TryForward(Tensor input, out Tensor? output)
    {
        output = null;
        ReadOnlySpan<int> shape = input.Shape;
        if (shape.Length is not (2 or 4) || shape[0] <= 0 || !AllInEvaluationMode())
        {
            return false;
        }

        Entry? entry = Find(shape[1..]);
        if (entry is null || !entry.IsCurrent())
        {
            entry = Compile(shape[1..].ToArray());
        }

        if (entry.Plan is null)
        {
            return false;
        }

        Predictor runner = entry.Rent();
        try
        {
            output = new Tensor([shape[0], .. entry.Plan.OutputShape]);
            runner.Predict(input.ReadData, output.ReadData);
        }
        finally
        {
            entry.Return(runner);
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="input"/> through the compiled plan into a graph plan's buffer (see
    /// <see cref="Predictor.PredictInto"/>: a channel slice of a concatenation, a residual addend and ReLU in the
    /// epilogue); false when the model or shape does not compile (nothing written).
    /// </summary>
    public bool TryForwardInto(Tensor input, Span<float> outputs, int outputStride, int outputOffset, ReadOnlySpan<float> addend, bool relu)
    {
        ReadOnlySpan<int> shape = input.Shape;
        if (shape.Length is not (2 or 4) || shape[0] <= 0 || !AllInEvaluationMode())
        {
            return false;
        }

        Entry? entry = Find(shape[1..]);
        if (entry is null || !entry.IsCurrent())
        {
            entry = Compile(shape[1..].ToArray());
        }

        if (entry.Plan is null)
        {
            return false;
        }

        Predictor runner = entry.Rent();
        try
        {
            runner.PredictInto(input.ReadData, outputs, outputStride, outputOffset, addend, relu);
        }
        finally
        {
            entry.Return(runner);
        }

        return true;
    }

    private bool AllInEvaluationMode()
    {
        foreach (ILayer leaf in _leaves)
        {
            if (leaf.IsTraining)
            {
                return false;
            }
        }

        return true;
    }

    private Entry? Find(ReadOnlySpan<int> imageShape)
    {
        foreach (Entry entry in Volatile.Read(ref _entries))
        {
            if (imageShape.SequenceEqual(entry.ImageShape))
            {
                return entry;
            }
        }

        return null;
    }

    private Entry Compile(int[] imageShape)
    {
        lock (_compileLock)
        {
            // Another caller may have compiled it while this one waited.
            Entry? existing = Find(imageShape);
            if (existing is not null && existing.IsCurrent())
            {
                return existing;
            }

            Interlocked.Increment(ref _compilations);
            PredictorPlan? plan;
            try
            {
                plan = new PredictorPlan(_model, imageShape);
            }
            catch (NotSupportedException)
            {
                plan = null;
            }
            catch (ArgumentException)
            {
                // The shape does not fit: the layer path reports it with the layer's own message.
                plan = null;
            }

            // The versions are read after packing, so whatever packing touched counts as seen.
            var entry = new Entry(imageShape, plan, [.. _model.StateDict().Values.Select(t => (t, t.Version))]);
            Entry[] entries = [entry, .. Volatile.Read(ref _entries).Where(e => !e.ImageShape.AsSpan().SequenceEqual(imageShape)).Take(MaxShapes - 1)];
            Volatile.Write(ref _entries, entries);
            return entry;
        }
    }

    /// <summary>One input shape's plan, the weight versions it was packed from, and its pool of runners.</summary>
    private sealed class Entry(int[] imageShape, PredictorPlan? plan, (Tensor Tensor, int Version)[] versions)
    {
        private readonly ConcurrentBag<Predictor> _runners = [];
        private int _created;

        public int[] ImageShape { get; } = imageShape;

        public PredictorPlan? Plan { get; } = plan;

        public bool IsCurrent()
        {
            foreach ((Tensor tensor, int version) in versions)
            {
                if (tensor.Version != version)
                {
                    return false;
                }
            }

            return true;
        }

        public int Runners => Volatile.Read(ref _created);

        public Predictor Rent()
        {
            if (_runners.TryTake(out Predictor? runner))
            {
                return runner;
            }

            Interlocked.Increment(ref _created);
            return new Predictor(Plan!, ImageShape, SimdSupport.Best);
        }

        public void Return(Predictor runner) => _runners.Add(runner);
    }
}
