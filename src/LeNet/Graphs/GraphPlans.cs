using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>
/// The evaluation-mode engine of a <see cref="Module"/>: one traced <see cref="GraphPlan"/> per input shape,
/// made on the first call with that shape, cached and reused. The plans share their compiled chains' containers, so a
/// chain's packed weights are made once per image shape, not once per batch size.
/// </summary>
/// <remarks>
/// <para>A new shape is traced on shapes only (<see cref="RecordingMode.PlanShapes"/>: no map of the batch computed or
/// held), and its first answer is the plan's. A forward that reads a value while traced that way, or fails on shapes
/// alone, is traced again eagerly, as before.</para>
/// <para>With <see cref="Verify"/> (the tests turn it on; <c>LENET_VERIFY_GRAPH_PLANS=1</c> does in any process) a new
/// plan's first answer is compared with an eager forward and the plan kept only when they agree. Off by default: that
/// check is a second forward on the first call, holding every map of the batch.</para>
/// <para>A shape whose forward read tensor values while traced, or whose plan disagreed with the eager result, is kept
/// as eager: its calls run the forward code itself. Callers never wait for each other except while a new shape is
/// traced.</para>
/// </remarks>
/// <param name="module">The module whose forward is traced.</param>
/// <param name="verify">Whether new plans are checked against the eager forward; null for <see cref="Verify"/> (the tests measure the unchecked first call).</param>
internal sealed class GraphPlans(Module module, bool? verify = null)
{
    /// <summary>How many input shapes are kept; a model called with more shapes traces the oldest again.</summary>
    private const int MaxShapes = 8;

    private readonly Lock _traceLock = new();
    private readonly List<(ILayer[] Layers, Sequential Segment)> _segments = [];
    private (int[] Shape, GraphPlan? Plan)[] _entries = [];

    /// <summary>Whether plans fuse their graph stages and plan their buffers (<see cref="GraphPlan"/>'s <c>fuse</c>); <c>LENET_GRAPH_FUSE=0</c> turns it off, for measurements.</summary>
    internal static bool Fuse { get; } = Environment.GetEnvironmentVariable("LENET_GRAPH_FUSE") != "0";

    /// <summary>Whether new plans are checked against the eager result of the call that traced them.</summary>
    internal static bool Verify { get; set; } = Environment.GetEnvironmentVariable("LENET_VERIFY_GRAPH_PLANS") == "1";

    /// <summary>How many times a forward was traced; for the tests.</summary>
    internal int Traces { get; private set; }

    /// <summary>The plan for <paramref name="shape"/>: null when that shape runs eagerly or was never called.</summary>
    internal GraphPlan? PlanFor(params int[] shape) => Find(shape) is { } entry ? entry.Plan : null;

    public Tensor Forward(Tensor input)
    {
        if (Find(input.Shape) is { } entry)
        {
            return entry.Plan is { } plan ? plan.Run(input) : module.InvokeCore(input);
        }

        lock (_traceLock)
        {
            if (Find(input.Shape) is { } traced)
            {
                return traced.Plan is { } plan ? plan.Run(input) : module.InvokeCore(input);
            }

            Traces++;
            GraphPlan? built;
            Tensor? eager = null;
            if (TraceShapes(input) is { } shapes)
            {
                built = new GraphPlan(shapes, Segment, Fuse);
            }
            else
            {
                // Read values, or failed on shapes alone (the eager trace then reports a bad shape with the layer's message).
                GraphRecorder recording = module.Record(input, RecordingMode.Trace);
                eager = recording.Output!;
                built = recording.ReadValues ? null : new GraphPlan(recording, Segment, Fuse);
            }

            // Traced on shapes, the first answer is the plan's, as every later call's.
            Tensor? answer = eager is null ? built?.Run(input) : null;
            if (built is not null && (verify ?? Verify))
            {
                answer ??= built.Run(input);
                eager ??= module.Record(input, RecordingMode.Trace).Output!;
                if (!Agrees(answer, eager))
                {
                    (built, answer) = (null, null);
                }
            }

            int[] shape = input.Shape.ToArray();
            _entries = [(shape, built), .. _entries.Take(MaxShapes - 1)];
            return answer ?? eager!;
        }
    }

    /// <summary>
    /// The forward traced on shapes only (<see cref="RecordingMode.PlanShapes"/>): no map of the batch is computed or
    /// held; null when the forward read a value or failed on shapes alone.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Any failure of the shape-only trace falls back to the eager trace, which reports it as the forward does.")]
    private GraphRecorder? TraceShapes(Tensor input)
    {
        try
        {
            return module.Record(input, RecordingMode.PlanShapes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>The container of the chain <paramref name="layers"/>: the one an earlier plan made, or a new one (under the trace lock).</summary>
    private Sequential Segment(ILayer[] layers)
    {
        foreach ((ILayer[] known, Sequential segment) in _segments)
        {
            if (known.Length == layers.Length && known.Zip(layers).All(pair => ReferenceEquals(pair.First, pair.Second)))
            {
                return segment;
            }
        }

        Sequential made = GraphPlan.Segment(layers);

        // A layer the forward code made itself (torchvision's MobileNetV2 calls F.adaptive_avg_pool2d) starts in training
        // mode and belongs to this trace alone. Where its output does not depend on the mode, it joins the chain in
        // evaluation mode: the compiled engine runs a chain only when all its layers are, and without this the chain ran
        // layer by layer (mobilenet_v2's last block, its 1280-channel convolution and the pool: a third of a batch-1 call).
        Dictionary<ILayer, string>? own = null;
        foreach (ILayer layer in layers)
        {
            if (layer is Layer { IsTraining: true, IsRepeatable: true } functional && !(own ??= module.PathMap()).ContainsKey(layer))
            {
                functional.SetOwnMode(false);
            }
        }

        _segments.Add((layers, made));
        return made;
    }

    private (int[] Shape, GraphPlan? Plan)? Find(ReadOnlySpan<int> shape)
    {
        foreach ((int[] Shape, GraphPlan? Plan) entry in Volatile.Read(ref _entries))
        {
            if (shape.SequenceEqual(entry.Shape))
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether the plan's result is the eager one up to the compiled stages' rounding (BatchNorm folded into the
    /// convolution's weights, other orders of sums): 1e-3 relative to the output's scale, far below a different branch.
    /// </summary>
    private static bool Agrees(Tensor planned, Tensor eager)
    {
        if (!planned.Shape.SequenceEqual(eager.Shape))
        {
            return false;
        }

        ReadOnlySpan<float> a = planned.ReadData, b = eager.ReadData;
        float scale = 0;
        foreach (float value in b)
        {
            if (float.IsFinite(value))
            {
                scale = MathF.Max(scale, MathF.Abs(value));
            }
        }

        float tolerance = 1e-3f * (1 + scale);
        for (int i = 0; i < a.Length; i++)
        {
            if (!(MathF.Abs(a[i] - b[i]) <= tolerance) && !(float.IsNaN(a[i]) && float.IsNaN(b[i])) && a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }
}
