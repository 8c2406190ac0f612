using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>
/// The evaluation-mode engine of a <see cref="Module"/>: one traced <see cref="GraphPlan"/> per input shape,
/// made on the first call with that shape, checked against the eager result of that call, cached and reused.
/// </summary>
/// <remarks>
/// A shape whose forward read tensor values while traced, or whose plan disagreed with the eager result, is kept
/// as eager: its calls run the forward code itself. Callers never wait for each other except while a new shape is
/// traced.
/// </remarks>
internal sealed class GraphPlans(Module module)
{
    /// <summary>How many input shapes are kept; a model called with more shapes traces the oldest again.</summary>
    private const int MaxShapes = 8;

    private readonly Lock _traceLock = new();
    private (int[] Shape, GraphPlan? Plan)[] _entries = [];

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
            GraphRecorder recording = module.Record(input, RecordingMode.Trace);
            Tensor eager = recording.Output!;
            GraphPlan? built = recording.ReadValues ? null : new GraphPlan(recording);
            if (built is not null && !Agrees(built.Run(input), eager))
            {
                built = null;
            }

            int[] shape = input.Shape.ToArray();
            _entries = [(shape, built), .. _entries.Take(MaxShapes - 1)];
            return eager;
        }
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
