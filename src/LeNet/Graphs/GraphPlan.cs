using LeNet.Compiler;
using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>
/// A traced evaluation-mode forward made runnable: the recording's steps over numbered values, with each chain of
/// leaf layers (each feeding only the next) compiled into the engine's fused stages — the same stages a
/// <see cref="Sequential"/> compiles to — and split where a layer has no stage, so one unknown layer costs only
/// itself. Operations and the remaining layers run as they ran when traced.
/// </summary>
/// <remarks>Immutable once built; every run has its own values, so concurrent runs share nothing mutable.</remarks>
internal sealed class GraphPlan
{
    private readonly Step[] _steps;
    private readonly Tensor?[] _constants;
    private readonly int _output;

    /// <summary>Per step, the values it reads for the last time: dropped after it, so a run holds only the live maps.</summary>
    private readonly int[][] _lastReads;

    /// <param name="recording">The traced forward.</param>
    /// <param name="segments">
    /// Gives the container of a compiled chain of layers; the plans of one model share them, so the packed weights of
    /// a chain are compiled once per image shape whatever the batch sizes the model is called with.
    /// </param>
    public GraphPlan(GraphRecorder recording, Func<ILayer[], Sequential> segments)
    {
        var slots = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance) { [recording.Input] = 0 };
        var constants = new List<Tensor?> { null };
        var nodes = new List<(GraphNode Node, int[] Inputs, int Output)>();
        foreach (GraphNode node in recording.Nodes)
        {
            int[] inputs = [.. node.Inputs.Select(input => Slot(input))];
            int output = constants.Count;
            constants.Add(null);

            // A layer that returns its input (Identity) makes the same tensor a new value: later readers read the new one.
            slots[node.Output] = output;
            nodes.Add((node, inputs, output));
        }

        _output = Slot(recording.Output!);
        var readers = new int[constants.Count];
        foreach ((_, int[] inputs, _) in nodes)
        {
            foreach (int input in inputs)
            {
                readers[input]++;
            }
        }

        readers[_output]++;
        var steps = new List<Step>();
        for (int i = 0; i < nodes.Count;)
        {
            (GraphNode node, int[] inputs, int output) = nodes[i];
            if (node is OpCall op)
            {
                steps.Add(new OpStep(op.Op, inputs, output));
                i++;
                continue;
            }

            // The longest chain of layer calls, each reading only the previous one's output, which nobody else reads.
            var chain = new List<ILayer> { ((LayerCall)node).Layer };
            int last = output;
            int j = i + 1;
            while (j < nodes.Count && nodes[j].Node is LayerCall next && nodes[j].Inputs[0] == last && readers[last] == 1)
            {
                chain.Add(next.Layer);
                last = nodes[j].Output;
                j++;
            }

            AddChain(steps, chain, inputs[0], last, constants.Count, ((LayerCall)node).Input.Shape, segments);
            constants.AddRange(Enumerable.Repeat<Tensor?>(null, chain.Count));
            i = j;
        }

        _steps = [.. steps];
        _constants = [.. constants];
        _lastReads = LastReads(_steps, _constants.Length, _output);

        int Slot(Tensor value)
        {
            if (!slots.TryGetValue(value, out int slot))
            {
                // Read but never produced: a parameter's value, a buffer or a constant, read live on every run.
                slot = constants.Count;
                constants.Add(value);
                slots[value] = slot;
            }

            return slot;
        }
    }

    /// <summary>How many steps run compiled stages; for the tests.</summary>
    internal int CompiledSteps => _steps.Count(step => step is SegmentStep);

    /// <summary>How many steps there are; for the tests.</summary>
    internal int StepCount => _steps.Length;

    /// <summary>The compiled segments in the order they run, each with the shape of its input (batch first); for the WebAssembly backend and the tests.</summary>
    internal (Sequential Segment, int[] InputShape)[] Segments =>
        [.. _steps.OfType<SegmentStep>().Select(step => (step.Segment, step.InputShape))];

    /// <summary>The most values a run holds at once (the input, maps produced and not yet read for the last time); for the tests.</summary>
    internal int PeakLiveMaps
    {
        get
        {
            var live = new HashSet<int> { 0 };
            int peak = 1;
            for (int s = 0; s < _steps.Length; s++)
            {
                live.Add(_steps[s].Output);
                peak = Math.Max(peak, live.Count);
                live.ExceptWith(_lastReads[s]);
            }

            return peak;
        }
    }

    public Tensor Run(Tensor input) => Run(input, null);

    /// <summary>
    /// Runs the plan with <paramref name="segment"/> given the k-th compiled segment's input first (k in
    /// <see cref="Segments"/> order): its result replaces the segment's own, or the segment runs when it returns null.
    /// </summary>
    internal Tensor Run(Tensor input, Func<int, Tensor, Tensor?>? segment)
    {
        var values = (Tensor?[])_constants.Clone();
        values[0] = input;
        int k = 0;
        for (int s = 0; s < _steps.Length; s++)
        {
            Step step = _steps[s];
            if (segment is not null && step is SegmentStep && segment(k++, values[step.Inputs[0]]!) is { } result)
            {
                values[step.Output] = result;
            }
            else
            {
                step.Run(values);
            }

            // A map nobody reads again is dropped now, not when the run ends: the collector can reuse its memory for
            // the next maps, so a deep network holds a few maps at a time instead of all of them.
            foreach (int value in _lastReads[s])
            {
                values[value] = null;
            }
        }

        return values[_output]!;
    }

    /// <summary>For each step, the values whose last reader it is (never the output, which the run returns).</summary>
    private static int[][] LastReads(Step[] steps, int valueCount, int output)
    {
        var lastReader = new int[valueCount];
        Array.Fill(lastReader, -1);
        for (int s = 0; s < steps.Length; s++)
        {
            foreach (int input in steps[s].Inputs)
            {
                lastReader[input] = s;
            }
        }

        var lastReads = new List<int>[steps.Length];
        for (int s = 0; s < steps.Length; s++)
        {
            lastReads[s] = [];
        }

        for (int value = 0; value < valueCount; value++)
        {
            if (lastReader[value] >= 0 && value != output)
            {
                lastReads[lastReader[value]].Add(value);
            }
        }

        return [.. lastReads.Select(list => list.ToArray())];
    }

    /// <summary>
    /// Adds a chain of layers from value <paramref name="input"/> to value <paramref name="output"/>: compiled
    /// segments as long as the compiler takes the layers, the first layer it does not take on its own, and so on.
    /// A layer called again in the chain (a block's one ReLU after each of two convolutions) starts a new segment:
    /// a segment's <see cref="Sequential"/> holds each layer once, as a chain must to run compiled — otherwise it
    /// would trace itself into this same plan again, without end.
    /// Intermediate values between segments get fresh slots from <paramref name="nextSlot"/> on.
    /// </summary>
    private static void AddChain(List<Step> steps, List<ILayer> chain, int input, int output, int nextSlot, ReadOnlySpan<int> inputShape, Func<ILayer[], Sequential> segments)
    {
        int[] shape = inputShape.ToArray();
        int start = 0;
        while (start < chain.Count)
        {
            int limit = RepeatFreeEnd(chain, start);
            int unsupported = FirstUnsupported(chain, start, limit, shape);
            int end = unsupported < 0 ? limit : unsupported;
            if (end > start)
            {
                ILayer[] layers = [.. chain.Skip(start).Take(end - start)];
                int to = end == chain.Count ? output : nextSlot++;
                steps.Add(new SegmentStep(segments(layers), input, to, shape));
                input = to;
                foreach (ILayer layer in layers)
                {
                    shape = layer.GetOutputShape(shape);
                }
            }

            if (unsupported >= 0)
            {
                int to = end + 1 == chain.Count ? output : nextSlot++;
                steps.Add(new LayerStep(chain[end], input, to));
                input = to;
                shape = chain[end].GetOutputShape(shape);
                end++;
            }

            start = end;
        }
    }

    /// <summary>The end of the longest run from <paramref name="start"/> in which no layer appears twice.</summary>
    private static int RepeatFreeEnd(List<ILayer> chain, int start)
    {
        var seen = new HashSet<ILayer>(ReferenceEqualityComparer.Instance);
        int end = start;
        while (end < chain.Count && seen.Add(chain[end]))
        {
            end++;
        }

        return end;
    }

    /// <summary>
    /// The index of the first layer in [<paramref name="start"/>, <paramref name="limit"/>) that the compiler does not
    /// take, or −1 when it takes them all.
    /// </summary>
    private static int FirstUnsupported(List<ILayer> chain, int start, int limit, int[] shape)
    {
        int end = start;
        while (end < limit && chain[end] is Layer and not Module)
        {
            end++;
        }

        if (end == start || shape.Length is not (2 or 4))
        {
            return start;
        }

        try
        {
            StageCompiler compiled = StageCompiler.Compile(Segment([.. chain.Skip(start).Take(end - start)]), shape.AsSpan(1), training: false);
            return compiled.Unsupported is (_, int index) ? start + index : end == limit ? -1 : end;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return start;
        }
    }

    /// <summary>A container for a compiled chain: in evaluation mode itself, its layers' modes left as they are.</summary>
    internal static Sequential Segment(ILayer[] layers)
    {
        var segment = new Sequential(layers);
        segment.SetOwnMode(false);
        return segment;
    }

    private abstract class Step(int[] inputs, int output)
    {
        public int[] Inputs { get; } = inputs;

        public int Output { get; } = output;

        public abstract void Run(Tensor?[] values);
    }

    private sealed class OpStep(TensorOp op, int[] inputs, int output) : Step(inputs, output)
    {
        public override void Run(Tensor?[] values)
        {
            var inputs = new Tensor[Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = values[Inputs[i]]!;
            }

            values[Output] = op.Forward(inputs);
        }
    }

    private sealed class LayerStep(ILayer layer, int input, int output) : Step([input], output)
    {
        public override void Run(Tensor?[] values) => values[Output] = layer.Forward(values[Inputs[0]]!);
    }

    private sealed class SegmentStep(Sequential segment, int input, int output, int[] inputShape) : Step([input], output)
    {
        public Sequential Segment { get; } = segment;

        public int[] InputShape { get; } = inputShape;

        public override void Run(Tensor?[] values) => values[Output] = Segment.Forward(values[Inputs[0]]!);
    }
}
