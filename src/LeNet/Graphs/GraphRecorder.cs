using System.Numerics.Tensors;
using LeNet.Layers;

namespace LeNet.Graphs;

/// <summary>What a recording is for.</summary>
internal enum RecordingMode
{
    /// <summary>A forward to differentiate: layers keep what their backward needs, also in evaluation mode.</summary>
    Differentiate,

    /// <summary>A forward traced into a graph for the evaluation plan: layers compute, keep nothing.</summary>
    Trace,

    /// <summary>A forward for its structure and shapes only (Summary, export): leaf layers return zeros of their output shape.</summary>
    Shapes,

    /// <summary>
    /// A forward traced for the evaluation plan on shapes only (<see cref="GraphPlans"/>' first call of a shape): leaf
    /// layers compute nothing and every value of one length shares one uninitialized array (<see cref="GraphRecorder.Scratch"/>),
    /// operations that know their output's shape (<see cref="TensorOp.OutputShape"/>) compute nothing either, and a
    /// value read through the public API aborts the trace (<see cref="ShapeTraceAbortedException"/>) — the caller then
    /// traces eagerly. The batch's maps are never all held at once: the trace costs one array per distinct map length.
    /// </summary>
    PlanShapes,
}

/// <summary>Thrown when a <see cref="RecordingMode.PlanShapes"/> forward reads a value: its graph may depend on data it does not have.</summary>
internal sealed class ShapeTraceAbortedException : Exception
{
    public ShapeTraceAbortedException()
        : base("The forward read a tensor's values while traced on shapes only.")
    {
    }

    public ShapeTraceAbortedException(string message)
        : base(message)
    {
    }

    public ShapeTraceAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The record of one forward of a <see cref="Module"/>: every leaf-layer call and tensor operation, in order,
/// with the tensors each read and wrote — the one representation of a model's computation, which
/// <see cref="Module.Backward(Tensor)"/> walks backwards, the evaluation plan (<see cref="GraphPlan"/>) compiles,
/// and <see cref="Module.Summary"/> and ONNX export read.
/// </summary>
/// <remarks>
/// <para>The recording in progress is per thread (<see cref="Current"/>). A Module called while one is in
/// progress adds its own steps to it (its children record themselves: the graph is flat, of leaves and
/// operations); a leaf layer runs with the recording suspended, so what it does inside is its own business.</para>
/// <para>Values are tensors, compared by reference: a value that several steps read gets the sum of their
/// gradients; a tensor read but never produced is the input, a parameter's value (its gradient goes to the
/// <see cref="Parameter"/>), or a constant.</para>
/// </remarks>
internal sealed class GraphRecorder
{
    [ThreadStatic]
    private static GraphRecorder? _current;

    [ThreadStatic]
    private static bool _keepForBackward;

    private readonly Module _root;
    private readonly Dictionary<ILayer, int> _lastCall = new(ReferenceEqualityComparer.Instance);

    /// <summary>A <see cref="RecordingMode.PlanShapes"/> recording's arrays, one per length (see <see cref="Scratch"/>).</summary>
    private Dictionary<long, float[]>? _scratch;

    /// <summary>Which call's state each layer holds now (a backward recomputes earlier calls); null until the first backward.</summary>
    private Dictionary<ILayer, int>? _held;

    public GraphRecorder(Module root, Tensor input, RecordingMode mode)
    {
        _root = root;
        Input = input;
        Mode = mode;
    }

    /// <summary>Where a training step's layers rent their results (null: they allocate); set by a training-mode Module.</summary>
    public TrainingBufferPool? Pool { get; init; }

    /// <summary>The recording in progress on this thread, or null.</summary>
    public static GraphRecorder? Current => _current;

    /// <summary>Whether leaf layers called now must keep what their backward needs even in evaluation mode.</summary>
    public static bool KeepForBackward => _keepForBackward;

    public RecordingMode Mode { get; }

    public Tensor Input { get; }

    /// <summary>The forward's result, once <see cref="Run"/> returned.</summary>
    public Tensor? Output { get; private set; }

    /// <summary>The steps in the order they ran.</summary>
    public List<GraphNode> Nodes { get; } = [];

    /// <summary>Whether the forward read tensor values through the public API while tracing (then its graph may depend on data).</summary>
    public bool ReadValues { get; private set; }

    /// <summary>Runs <paramref name="forward"/> on <see cref="Input"/> with this recording in progress on the thread.</summary>
    public Tensor Run(Func<Tensor, Tensor> forward)
    {
        GraphRecorder? outer = _current;
        _current = this;
        try
        {
            Output = forward(Input);
        }
        finally
        {
            _current = outer;
        }

        return Output;
    }

    /// <summary>Notes that code read a tensor's values through the public API (a possible data-dependent branch).</summary>
    public static void NoteValueRead()
    {
        if (_current is { Mode: not RecordingMode.Differentiate } recorder)
        {
            recorder.ReadValues = true;
            if (recorder.Mode == RecordingMode.PlanShapes)
            {
                throw new ShapeTraceAbortedException();
            }
        }
    }

    /// <summary>A layer called while this recording is in progress: a Module adds its own steps; a leaf runs and is recorded.</summary>
    public Tensor Call(Layer layer, Tensor input) =>
        layer is Module module ? module.ForwardRecorded(input) : CallLeaf(layer, input);

    /// <summary>Runs a leaf layer with the recording suspended and records the call.</summary>
    public Tensor CallLeaf(ILayer layer, Tensor input)
    {
        if (Mode == RecordingMode.Differentiate && _lastCall.ContainsKey(layer) && !(layer is Layer { IsRepeatable: true }))
        {
            throw new InvalidOperationException(
                $"{_root.Name}: {Describe(layer)} is called more than once in one forward, and its forward cannot be repeated for the backward " +
                "(it draws random numbers or updates running statistics in this mode); give each call its own layer.");
        }

        bool keep = _keepForBackward;
        _current = null;
        _keepForBackward = Mode == RecordingMode.Differentiate;
        Tensor output;
        try
        {
            using TrainingBufferPool.Scope scope = TrainingBufferPool.Use(Mode == RecordingMode.Differentiate ? Pool : null);
            output = Mode switch
            {
                RecordingMode.Shapes => new Tensor(layer.GetOutputShape(input.Shape)),
                RecordingMode.PlanShapes => Scratch(layer.GetOutputShape(input.Shape)),
                _ => Invoke(layer, input),
            };
        }
        finally
        {
            _current = this;
            _keepForBackward = keep;
        }

        _lastCall[layer] = Nodes.Count;
        Nodes.Add(new LayerCall(layer, input, output));
        return output;
    }

    /// <summary>
    /// A value of <paramref name="shape"/> in a <see cref="RecordingMode.PlanShapes"/> trace: a new tensor (values are
    /// told apart by reference) over this recording's one array of that length, allocated uninitialized and never
    /// written, so the trace neither holds nor touches the batch's maps. A view of a value (same storage, hence same
    /// length) shares that value's array as a real view would; values of one length that are not views share it too,
    /// which the plan reads as a possible view (it keeps their inputs alive longer: safe).
    /// </summary>
    internal Tensor Scratch(int[] shape)
    {
        long length = 1;
        foreach (int size in shape)
        {
            length *= size;
        }

        _scratch ??= [];
        if (!_scratch.TryGetValue(length, out float[]? data))
        {
            data = GC.AllocateUninitializedArray<float>(checked((int)length));
            _scratch[length] = data;
        }

        return Tensor.Wrap(data, shape);
    }

    /// <summary>Records a tensor operation that has run.</summary>
    public void Record(TensorOp op, Tensor[] inputs, Tensor output) => Nodes.Add(new OpCall(op, inputs, output));

    /// <summary>
    /// Back-propagates <paramref name="outputGradient"/> through the recorded steps in reverse: each leaf's own
    /// backward, each operation's; gradients of a value read by several steps are summed; a parameter's value
    /// read by an operation has its gradient added to the <see cref="Parameter"/>. A layer called more than once
    /// is run again on its earlier input before that call's backward (its forward is repeatable).
    /// </summary>
    /// <returns>∂loss/∂input (zeros when the output does not depend on it), or null when not wanted.</returns>
    public Tensor? Backward(Tensor outputGradient, bool needInputGradient, IReadOnlyList<(Tensor Output, Tensor Gradient)>? otherOutputs = null)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (Output is null)
        {
            throw new InvalidOperationException($"{_root.Name}: the recorded forward did not finish, so there is nothing to back-propagate.");
        }

        if (!outputGradient.Shape.SequenceEqual(Output.Shape))
        {
            throw new ArgumentException(
                $"{_root.Name}: expected an output gradient of the last output's shape {Tensor.FormatShape(Output.Shape)}, got {Tensor.FormatShape(outputGradient.Shape)}.",
                nameof(outputGradient));
        }

        HashSet<Tensor> produced = new(ReferenceEqualityComparer.Instance);
        foreach (GraphNode node in Nodes)
        {
            produced.Add(node.Output);
        }

        bool Needs(Tensor value) =>
            ReferenceEquals(value, Input) ? needInputGradient || produced.Contains(value) : produced.Contains(value) || Parameter.OwnerOf(value) is not null;

        var gradients = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [Output] = outputGradient };
        foreach ((Tensor other, Tensor otherGradient) in otherOutputs ?? [])
        {
            ArgumentNullException.ThrowIfNull(other);
            ArgumentNullException.ThrowIfNull(otherGradient);
            if (!produced.Contains(other))
            {
                throw new ArgumentException($"{_root.Name}: a {Tensor.FormatShape(other.Shape)} tensor given to Backward was not computed by the last forward.", nameof(otherOutputs));
            }

            if (!otherGradient.Shape.SequenceEqual(other.Shape))
            {
                throw new ArgumentException(
                    $"{_root.Name}: expected a gradient of shape {Tensor.FormatShape(other.Shape)} for the {Tensor.FormatShape(other.Shape)} tensor, got {Tensor.FormatShape(otherGradient.Shape)}.",
                    nameof(otherOutputs));
            }

            Accumulate(gradients, other, otherGradient);
        }

        if (Pool is not null)
        {
            Pool.LendingGradients = true;
        }

        // A second backward of the same record starts from what the first left in each layer.
        Dictionary<ILayer, int> held = _held ??= new Dictionary<ILayer, int>(_lastCall, ReferenceEqualityComparer.Instance);
        for (int i = Nodes.Count - 1; i >= 0; i--)
        {
            GraphNode node = Nodes[i];
            if (!gradients.Remove(node.Output, out Tensor? gradient))
            {
                continue;
            }

            if (node is LayerCall call)
            {
                if (held[call.Layer] != i)
                {
                    Recompute(call.Layer, call.Input);
                    held[call.Layer] = i;
                }

                bool need = Needs(call.Input);
                Tensor? inputGradient;
                using (TrainingBufferPool.Use(Pool))
                {
                    inputGradient = call.Layer is Layer layer ? layer.BackwardCore(gradient, need) : call.Layer.Backward(gradient);
                }

                if (need)
                {
                    Accumulate(gradients, call.Input, inputGradient);
                }
                else if (inputGradient is not null)
                {
                    Release(gradients, inputGradient);
                }

                Release(gradients, gradient);
            }
            else
            {
                var op = (OpCall)node;
                bool[] needed = [.. op.Inputs.Select(Needs)];
                Tensor?[] inputGradients = op.Op.Backward(op.Inputs, op.Output, gradient, needed);
                for (int k = 0; k < op.Inputs.Length; k++)
                {
                    if (needed[k])
                    {
                        Accumulate(gradients, op.Inputs[k], inputGradients[k]);
                    }
                    else if (inputGradients[k] is { } unused)
                    {
                        Release(gradients, unused);
                    }
                }

                Release(gradients, gradient);
            }
        }

        if (Pool is not null)
        {
            // What is left (the input's gradient, which the caller keeps) leaves the pool for good.
            Pool.LendingGradients = false;
            foreach (Tensor left in gradients.Values)
            {
                Pool.Forget(left.ReadData);
            }
        }

        if (!needInputGradient)
        {
            return null;
        }

        return gradients.TryGetValue(Input, out Tensor? result) ? result : new Tensor(Input.Shape.ToArray());
    }

    /// <summary>
    /// Gives the pooled activations of this forward back to <see cref="Pool"/> (the next training-mode forward calls
    /// it): every step's result except the input and the output, which the caller may hold.
    /// </summary>
    public void ReleaseActivations()
    {
        if (Pool is null)
        {
            return;
        }

        foreach (GraphNode node in Nodes)
        {
            float[] array = node.Output.ReadData;
            if (!ReferenceEquals(array, Input.ReadData) && !ReferenceEquals(array, Output?.ReadData))
            {
                Pool.Return(array);
            }
        }

        // The output stays with the caller: never handed out again, and not tracked (a step would otherwise leave one entry behind).
        if (Output is not null)
        {
            Pool.Forget(Output.ReadData);
        }
    }

    /// <summary>Returns a gradient the backward has consumed to the pool, unless a gradient still waiting to be consumed shares its array.</summary>
    private void Release(Dictionary<Tensor, Tensor> gradients, Tensor consumed)
    {
        float[] array = consumed.ReadData;
        if (Pool is null || !Pool.IsGradient(array))
        {
            return;
        }

        foreach (Tensor waiting in gradients.Values)
        {
            if (ReferenceEquals(waiting.ReadData, array))
            {
                return;
            }
        }

        Pool.Return(array);
    }

    /// <summary>The layer's path in the recorded root (<c>layer1.0.relu</c>) and type, for messages.</summary>
    public string Describe(ILayer layer)
    {
        string? path = _root.PathOf(layer);
        return path is null ? $"a {layer.Name} created inside the forward ({layer})" : $"layer '{path}' ({layer})";
    }

    private static Tensor Invoke(ILayer layer, Tensor input) => layer is Layer own ? own.InvokeCore(input) : layer.Forward(input);

    private static void Recompute(ILayer layer, Tensor input)
    {
        bool keep = _keepForBackward;
        GraphRecorder? outer = _current;
        (_current, _keepForBackward) = (null, true);
        try
        {
            Invoke(layer, input);
        }
        finally
        {
            (_current, _keepForBackward) = (outer, keep);
        }
    }

    private void Accumulate(Dictionary<Tensor, Tensor> gradients, Tensor value, Tensor? gradient)
    {
        if (gradient is null)
        {
            return;
        }

        if (Parameter.OwnerOf(value) is { } parameter)
        {
            TensorPrimitives.Add(parameter.Gradient.ReadData, gradient.ReadData, parameter.Gradient.Data);
            Release(gradients, gradient);
        }
        else if (gradients.TryGetValue(value, out Tensor? existing))
        {
            // A new tensor: either gradient may be a view another step still reads.
            Tensor sum = Pool is null ? new Tensor(value.Shape.ToArray()) : Tensor.Wrap(Pool.Rent(value.Length), value.Shape.ToArray());
            TensorPrimitives.Add(existing.ReadData, gradient.ReadData, sum.Data);
            gradients[value] = sum;
            Release(gradients, existing);
            Release(gradients, gradient);
        }
        else
        {
            gradients[value] = gradient;
        }
    }
}
