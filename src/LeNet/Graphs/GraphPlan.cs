using LeNet.Compiler;
using LeNet.Kernels;
using LeNet.Kernels.Simd;
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

    /// <summary>Each value's shape (batch first), where known: the recording's, or a split chain's intermediate.</summary>
    private readonly int[]?[] _shapes;

    /// <summary>Per value, the arena buffer a compiled segment writes it into, or −1 (inputs, constants, the output, values operations and uncompiled layers allocate).</summary>
    private readonly int[] _bufferOf;

    /// <summary>Length of each arena buffer (floats).</summary>
    private readonly int[] _bufferLengths;

    /// <summary>The arenas of runs that ended: a run rents one, so steady-state runs allocate no large map.</summary>
    private readonly System.Collections.Concurrent.ConcurrentBag<float[][]> _arenas = [];

    /// <param name="recording">The traced forward.</param>
    /// <param name="segments">
    /// Gives the container of a compiled chain of layers; the plans of one model share them, so the packed weights of
    /// a chain are compiled once per image shape whatever the batch sizes the model is called with.
    /// </param>
    /// <param name="fuse">
    /// Whether residual adds (and the ReLU after them) run in the producing segment's epilogue, concatenations are
    /// written in place by their producers, channel scales into planned buffers, and segments' outputs live in the
    /// arena; off, every segment allocates its output as before (the tests compare both plans; <c>LENET_GRAPH_FUSE=0</c>
    /// turns it off in a process, for measurements).
    /// </param>
    public GraphPlan(GraphRecorder recording, Func<ILayer[], Sequential> segments, bool fuse = true)
    {
        var slots = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance) { [recording.Input] = 0 };
        var constants = new List<Tensor?> { null };
        var shapes = new List<int[]?> { recording.Input.Shape.ToArray() };
        var nodes = new List<(GraphNode Node, int[] Inputs, int Output)>();
        foreach (GraphNode node in recording.Nodes)
        {
            int[] inputs = [.. node.Inputs.Select(input => Slot(input))];
            int output = constants.Count;
            constants.Add(null);
            shapes.Add(node.Output.Shape.ToArray());

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
                steps.Add(new OpStep(op.Op, inputs, output) { IsView = ReturnedAView(node) });
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

            bool[] views = [.. nodes.Skip(i).Take(chain.Count).Select(call => ReturnedAView(call.Node))];
            AddChain(steps, chain, views, inputs[0], last, shapes, ((LayerCall)node).Input.Shape, segments);
            constants.AddRange(Enumerable.Repeat<Tensor?>(null, shapes.Count - constants.Count));
            i = j;
        }

        if (fuse)
        {
            FuseResiduals(steps, shapes, _output);
            FuseConcatenations(steps, shapes, _output);
            FuseChannelScales(steps, shapes);
        }

        _steps = [.. steps];
        _constants = [.. constants];
        _shapes = [.. shapes];
        _lastReads = LastReads(_steps, _constants.Length, _output);
        (_bufferOf, _bufferLengths) = fuse ? PlanBuffers(_steps, _shapes, _output) : (Enumerable.Repeat(-1, _shapes.Length).ToArray(), []);

        int Slot(Tensor value)
        {
            if (!slots.TryGetValue(value, out int slot))
            {
                // Read but never produced: a parameter's value, a buffer or a constant, read live on every run.
                slot = constants.Count;
                constants.Add(value);
                shapes.Add(value.Shape.ToArray());
                slots[value] = slot;
            }

            return slot;
        }
    }

    /// <summary>How many steps run compiled stages; for the tests.</summary>
    internal int CompiledSteps => _steps.Count(step => step is SegmentStep);

    /// <summary>How many steps scale channels in place of a broadcast multiply (squeeze-and-excitation); for the tests.</summary>
    internal int ScaleSteps => _steps.Count(step => step is ScaleStep);

    /// <summary>How many buffers a run's arena holds; for the tests.</summary>
    internal int ArenaBuffers => _bufferLengths.Length;

    /// <summary>Floats a run's arena holds; for the tests.</summary>
    internal long ArenaFloats => _bufferLengths.Sum(length => (long)length);

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
        float[][] arena = _arenas.TryTake(out float[][]? rented) ? rented : [.. _bufferLengths.Select(length => new float[length])];
        int k = 0;
        for (int s = 0; s < _steps.Length; s++)
        {
            Step step = _steps[s];
            if (step is ScaleStep scaled)
            {
                values[step.Output] ??= _bufferOf[step.Output] is int b and >= 0
                    ? Tensor.FromArray(arena[b], _shapes[step.Output]!)
                    : new Tensor(_shapes[step.Output]!);
                scaled.Run(values);
            }
            else if (step is SegmentStep planned)
            {
                // The value it writes (whole, or a concatenation's channel slice): an arena buffer, or a new map for the output.
                values[step.Output] ??= _bufferOf[step.Output] is int b and >= 0
                    ? Tensor.FromArray(arena[b], _shapes[step.Output]!)
                    : new Tensor(_shapes[step.Output]!);
                planned.Run(values, segment is not null ? segment(k++, values[step.Inputs[0]]!) : null);
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

        // The result must not alias the arena the next run writes (a view of a planned map, such as a final Flatten).
        Tensor result = values[_output]!;
        if (arena.Any(buffer => ReferenceEquals(buffer, result.ReadData)))
        {
            result = Tensor.FromArray((float[])result.ReadData.Clone(), result.Shape.ToArray());
        }

        _arenas.Add(arena);
        return result;
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
    /// Intermediate values between segments get new slots at the end of <paramref name="shapes"/>.
    /// </summary>
    private static void AddChain(List<Step> steps, List<ILayer> chain, bool[] views, int input, int output, List<int[]?> shapes, ReadOnlySpan<int> inputShape, Func<ILayer[], Sequential> segments)
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
                int[] inShape = shape;
                foreach (ILayer layer in layers)
                {
                    shape = layer.GetOutputShape(shape);
                }

                int to = end == chain.Count ? output : NewSlot(shapes, shape);
                steps.Add(new SegmentStep(segments(layers), input, to, inShape, Features(shape)));
                input = to;
            }

            if (unsupported >= 0)
            {
                shape = chain[end].GetOutputShape(shape);
                int to = end + 1 == chain.Count ? output : NewSlot(shapes, shape);
                steps.Add(new LayerStep(chain[end], input, to) { IsView = views[end] });
                input = to;
                end++;
            }

            start = end;
        }
    }

    /// <summary>
    /// Whether the traced call returned (a view of) one of its inputs' storage: its inputs then live as long as its output.
    /// Traced on shapes (<see cref="RecordingMode.PlanShapes"/>), values of one length share storage, so a call that
    /// keeps its input's length counts as a possible view: never a view missed, at worst a buffer held a little longer.
    /// </summary>
    private static bool ReturnedAView(GraphNode node) => node.Inputs.Any(input => ReferenceEquals(input.ReadData, node.Output.ReadData));

    private static int NewSlot(List<int[]?> shapes, int[] shape)
    {
        shapes.Add(shape);
        return shapes.Count - 1;
    }

    /// <summary>Floats per sample of a batch-first shape.</summary>
    private static int Features(int[] shape)
    {
        int features = 1;
        for (int d = 1; d < shape.Length; d++)
        {
            features *= shape[d];
        }

        return features;
    }

    /// <summary>How many steps read each value (the run's output counts one more).</summary>
    private static int[] Readers(List<Step> steps, int valueCount, int output)
    {
        var readers = new int[valueCount];
        foreach (Step step in steps)
        {
            foreach (int input in step.Inputs)
            {
                readers[input]++;
            }
        }

        readers[output]++;
        return readers;
    }

    /// <summary>
    /// A residual connection, <c>relu(segment(x) + identity)</c> (ResNet's blocks): when an <c>add</c> reads a compiled
    /// segment's output that nothing else reads, and the other operand has the same shape, the segment moves to the
    /// add's place and adds the other operand in its epilogue, image by image while its output is in cache; a ReLU that
    /// alone reads the sum (a segment of that one layer, or the layer itself) joins the epilogue. Bit-identical: the same
    /// single rounding of the sum, then max(·, 0).
    /// </summary>
    private static void FuseResiduals(List<Step> steps, List<int[]?> shapes, int output)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not OpStep { Op: var op } add || !ReferenceEquals(op, Ops.BinaryOp.Add) || add.Inputs.Length != 2)
            {
                continue;
            }

            int[] readers = Readers(steps, shapes.Count, output);
            foreach (int side in (int[])[0, 1])
            {
                int v = add.Inputs[side], w = add.Inputs[1 - side];
                int j = steps.FindIndex(0, i, step => step is SegmentStep && step.Output == v);
                if (j < 0 || v == w || readers[v] != 1 || shapes[v] is not { } vShape || shapes[w] is not { } wShape || !vShape.SequenceEqual(wShape)
                    || steps[j] is not SegmentStep { Addend: < 0 } segment || segment.Stride != segment.OwnFeatures)
                {
                    continue;
                }

                segment.Addend = w;
                segment.Inputs = [segment.Inputs[0], w];
                segment.Output = add.Output;
                int sum = add.Output;
                int k = steps.FindIndex(i + 1, step => step.Inputs.Contains(sum));
                if (readers[sum] == 1 && sum != output && k >= 0 && IsRelu(steps[k]))
                {
                    segment.Relu = true;
                    segment.Output = steps[k].Output;
                    steps.RemoveAt(k);
                }

                steps[i] = segment;
                steps.RemoveAt(j);
                i--;
                break;
            }
        }
    }

    /// <summary>A step that is a ReLU alone: the layer, or a compiled segment of only it.</summary>
    private static bool IsRelu(Step step) =>
        step is LayerStep { Layer: ReLU } || (step is SegmentStep { Segment: { Count: 1 } segment } && segment[0] is ReLU);

    /// <summary>
    /// A concatenation along the channels (SqueezeNet's Fire, GoogLeNet's Inception): when every input is a compiled
    /// segment's output that only the concatenation reads, each segment writes its channel slice of the concatenated map
    /// (a per-image stride and offset) and the copy disappears.
    /// </summary>
    private static void FuseConcatenations(List<Step> steps, List<int[]?> shapes, int output)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not OpStep { Op: Ops.CatOp { Dim: 1 } } cat || shapes[cat.Output] is not { Length: >= 2 } shape || shape[0] <= 0
                || cat.Inputs.Distinct().Count() != cat.Inputs.Length)
            {
                continue;
            }

            int[] readers = Readers(steps, shapes.Count, output);
            var producers = new List<SegmentStep>();
            foreach (int v in cat.Inputs)
            {
                if (readers[v] == 1 && steps.Take(i).FirstOrDefault(step => step is SegmentStep && step.Output == v) is SegmentStep segment && segment.Stride == segment.OwnFeatures)
                {
                    producers.Add(segment);
                }
            }

            if (producers.Count != cat.Inputs.Length)
            {
                continue;
            }

            int offset = 0, stride = Features(shape);
            foreach (SegmentStep producer in producers)
            {
                (producer.Output, producer.Stride, producer.Offset) = (cat.Output, stride, offset);
                offset += producer.OwnFeatures;
            }

            steps.RemoveAt(i);
            i--;
        }
    }

    /// <summary>
    /// Squeeze-and-excitation's excitation, <c>scale · x</c> with <c>scale</c> [N, C, 1, 1] and <c>x</c> [N, C, H, W]
    /// (MobileNetV3, EfficientNet, RegNetY): a step that scales each channel plane into a planned buffer instead of a
    /// broadcast multiply into a new map.
    /// </summary>
    private static void FuseChannelScales(List<Step> steps, List<int[]?> shapes)
    {
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i] is not OpStep { Op: var op } multiply || !ReferenceEquals(op, Ops.BinaryOp.Multiply) || multiply.Inputs.Length != 2)
            {
                continue;
            }

            foreach (int side in (int[])[0, 1])
            {
                int scale = multiply.Inputs[side], x = multiply.Inputs[1 - side];
                if (shapes[x] is { Length: 4 } xShape && shapes[scale] is { Length: 4 } sShape
                    && sShape[0] == xShape[0] && sShape[1] == xShape[1] && sShape[2] == 1 && sShape[3] == 1)
                {
                    steps[i] = new ScaleStep(x, scale, multiply.Output, xShape[2] * xShape[3]);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Gives each value a compiled segment writes (but the output) an arena buffer, by liveness: a buffer is free again
    /// after its value's last reader, and a later value of the same length takes it. An operation or an uncompiled layer
    /// that returned a view of its input when traced (<c>Reshape</c>, <c>Identity</c>) keeps its inputs alive as long as
    /// its output, and a value the output may alias keeps its buffer to the end (the run copies such a result out).
    /// </summary>
    private static (int[] BufferOf, int[] Lengths) PlanBuffers(Step[] steps, int[]?[] shapes, int output)
    {
        int count = shapes.Length;
        var lastUse = new int[count];
        var lastWrite = new int[count];
        Array.Fill(lastUse, -1);
        Array.Fill(lastWrite, -1);
        for (int s = 0; s < steps.Length; s++)
        {
            foreach (int input in steps[s].Inputs)
            {
                lastUse[input] = s;
            }

            lastWrite[steps[s].Output] = s;
        }

        lastUse[output] = int.MaxValue;
        for (int s = steps.Length - 1; s >= 0; s--)
        {
            if (!steps[s].IsView)
            {
                continue;
            }

            foreach (int input in steps[s].Inputs)
            {
                lastUse[input] = Math.Max(lastUse[input], lastUse[steps[s].Output]);
            }
        }

        var bufferOf = new int[count];
        Array.Fill(bufferOf, -1);
        var lengths = new List<int>();
        var free = new List<int>();
        var releases = new List<int>[steps.Length];
        for (int s = 0; s < steps.Length; s++)
        {
            releases[s] ??= [];
            int value = steps[s].Output;
            if (steps[s] is (SegmentStep or ScaleStep) && value != output && bufferOf[value] < 0 && shapes[value] is { } shape)
            {
                int length = shape.Aggregate(1, (a, b) => a * b);
                int b = free.FindIndex(buffer => lengths[buffer] == length);
                if (b >= 0)
                {
                    bufferOf[value] = free[b];
                    free.RemoveAt(b);
                }
                else
                {
                    bufferOf[value] = lengths.Count;
                    lengths.Add(length);
                }

                int end = Math.Max(Math.Max(lastUse[value], lastWrite[value]), s);
                if (end < steps.Length)
                {
                    (releases[end] ??= []).Add(value);
                }
            }

            foreach (int released in releases[s])
            {
                free.Add(bufferOf[released]);
            }
        }

        return (bufferOf, [.. lengths]);
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
        public int[] Inputs { get; set; } = inputs;

        public int Output { get; set; } = output;

        /// <summary>Whether its output may share its inputs' storage (a view, or an input returned as it is), as when traced.</summary>
        public bool IsView { get; init; }

        public abstract void Run(Tensor?[] values);
    }

    private sealed class OpStep(TensorOp op, int[] inputs, int output) : Step(inputs, output)
    {
        public TensorOp Op { get; } = op;

        public override void Run(Tensor?[] values)
        {
            var inputs = new Tensor[Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                inputs[i] = values[Inputs[i]]!;
            }

            values[Output] = Op.Forward(inputs);
        }
    }

    private sealed class LayerStep(ILayer layer, int input, int output) : Step([input], output)
    {
        public ILayer Layer { get; } = layer;

        public override void Run(Tensor?[] values) => values[Output] = Layer.Forward(values[Inputs[0]]!);
    }

    /// <summary>Each channel plane of value <c>x</c> times its scale, into the value the run has made (see <see cref="FuseChannelScales"/>).</summary>
    private sealed class ScaleStep(int x, int scale, int output, int pixels) : Step([x, scale], output)
    {
        public override void Run(Tensor?[] values) =>
            ChannelScaleKernel.Run(SimdSupport.Best, values[Inputs[0]]!.ReadData, values[Inputs[1]]!.ReadData, values[Output]!.ReadData, pixels);
    }

    /// <summary>
    /// A compiled chain. It writes its result into the value <see cref="Step.Output"/> the run has made (an arena
    /// buffer): whole, or image by image at <see cref="Offset"/> in rows of <see cref="Stride"/> floats (a channel slice
    /// of a concatenation), plus the value <see cref="Addend"/> and a ReLU when it ends a residual connection.
    /// </summary>
    private sealed class SegmentStep(Sequential segment, int input, int output, int[] inputShape, int ownFeatures) : Step([input], output)
    {
        public Sequential Segment { get; } = segment;

        public int[] InputShape { get; } = inputShape;

        /// <summary>Floats per image of the segment's own result.</summary>
        public int OwnFeatures { get; } = ownFeatures;

        /// <summary>Floats per image of the value it writes (<see cref="OwnFeatures"/> unless it writes a slice).</summary>
        public int Stride { get; set; } = ownFeatures;

        /// <summary>Where its slice starts in each image of the value it writes.</summary>
        public int Offset { get; set; }

        /// <summary>The value added in the epilogue (same shape as the result), or −1.</summary>
        public int Addend { get; set; } = -1;

        /// <summary>Whether the epilogue applies a ReLU after the addend.</summary>
        public bool Relu { get; set; }

        public override void Run(Tensor?[] values) => Run(values, null);

        /// <summary>Runs into the value the run has made; <paramref name="replaced"/> (the WebAssembly backend's result) stands for the segment's own.</summary>
        public void Run(Tensor?[] values, Tensor? replaced)
        {
            Tensor input = values[Inputs[0]]!;
            float[] target = values[Output]!.ReadData;
            ReadOnlySpan<float> addend = Addend >= 0 ? values[Addend]!.ReadData : [];
            if (replaced is null && Segment.TryForwardInto(input, target, Stride, Offset, addend, Relu))
            {
                return;
            }

            float[] result = (replaced ?? Segment.Forward(input)).ReadData;
            int images = result.Length / OwnFeatures;
            for (int t = 0; t < images; t++)
            {
                Span<float> slice = target.AsSpan((t * Stride) + Offset, OwnFeatures);
                result.AsSpan(t * OwnFeatures, OwnFeatures).CopyTo(slice);
                if (Addend >= 0)
                {
                    ResidualKernel.AddInPlace(SimdSupport.Best, slice, addend.Slice(t * OwnFeatures, OwnFeatures), Relu);
                }
            }
        }
    }
}
