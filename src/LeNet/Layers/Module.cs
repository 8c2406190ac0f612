using System.Globalization;
using System.Text;
using LeNet.Graphs;
using LeNet.Inference;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// A model that writes its own forward code, the counterpart of <c>torch.nn.Module</c>: a subclass registers
/// its children, parameters and buffers by name in its constructor and overrides <see cref="Layer.ForwardCore"/>,
/// calling its children's <see cref="Layer.Forward"/>, <see cref="Tensor"/>'s operations and
/// <see cref="Functional"/>.
/// </summary>
/// <remarks>
/// <para><b>Names.</b> State-dict keys are the dotted registration paths, as PyTorch forms them
/// (<c>layer1.0.downsample.0.weight</c>), in PyTorch's order: a module's own parameters, then its own buffers,
/// then each child in registration order. Registration is explicit (no reflection), so names survive trimming
/// and NativeAOT.</para>
/// <para><b>Training mode</b> (the default): <see cref="Layer.Forward"/> records what the forward did (every
/// layer call and tensor operation); <see cref="Backward(Tensor)"/> walks the record backwards — gradients of a value used
/// twice (a residual input) are summed, a concatenation's gradient is split, products follow the product rule —
/// accumulating every parameter's gradient. A layer called twice in one forward works when its forward can be
/// repeated (activations, convolutions, pools, evaluation-mode BatchNorm and Dropout); otherwise (a training-mode
/// BatchNorm or Dropout) the forward throws an <see cref="InvalidOperationException"/> naming it.</para>
/// <para><b>Evaluation mode</b> (<see cref="Layer.Eval"/>): the first call for an input shape traces the forward
/// into a graph, whose chains of layers run on the compiled engine (the <see cref="Predictor"/>'s stages) and the
/// rest as layer calls and operations; later calls with that shape run the graph. The call keeps nothing but a
/// reference to its input (one per thread), so any number of threads may call one model at once. <see cref="Backward(Tensor)"/>
/// after an evaluation-mode forward differentiates it as PyTorch does (BatchNorm's affine map with the running
/// statistics, Dropout the identity): it runs the forward again on the calling thread's last input, recording
/// (the last input of any thread when this thread made none). Backward itself is one thread at a time: the
/// layers keep what their backward needs.</para>
/// <para><b>Buffers.</b> A training-mode forward reuses the arrays of the previous training-mode forward's intermediate
/// results (convolution, BatchNorm and ReLU outputs), and a backward reuses its own gradients once consumed, so a
/// training loop allocates no feature maps after its first step. The forward's output, its input and the gradient
/// Backward returns are never reused; an intermediate tensor kept from one training step to the next must be cloned.</para>
/// <para><b>The tracing rule</b> (as <c>torch.jit.trace</c>): the forward must not branch on tensor values — only
/// on shapes, which key the traced graphs. A forward that reads values through the public API while traced
/// (<see cref="Tensor.AsReadOnlySpan"/>, the indexer, <see cref="Tensor.ToArray"/>) or whose graph disagrees with
/// its eager result on the first call runs eagerly for that shape instead: always correct, not compiled.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "PyTorch's name, pinned by the API contract; VB users can qualify it.")]
public abstract partial class Module : Layer
{
    private readonly List<(string Name, ILayer Layer)> _children = [];
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Tensor Buffer)> _buffers = [];
    private GraphRecorder? _lastRecording;
    private Tensor? _lastEvaluationInput;
    private ThreadLocal<EvaluationState>? _evaluationStates;
    private GraphPlans? _plans;
    private TrainingBufferPool? _trainingBuffers;
    private GraphRecorder? _lastTraining;

    /// <summary>The type name, as PyTorch prints a module (<c>ResNet</c>, <c>BasicBlock</c>).</summary>
    public override string Name => GetType().Name;

    /// <summary>
    /// Registers a child layer or module under <paramref name="name"/>, like assigning <c>self.name = module</c>
    /// in PyTorch: its parameters and buffers join the state dict as <c>name.…</c>.
    /// </summary>
    /// <typeparam name="T">The child's type.</typeparam>
    /// <param name="name">Unique among this module's children, parameters and buffers; not empty; no dots.</param>
    /// <param name="layer">The child.</param>
    /// <returns><paramref name="layer"/>, to keep in a field.</returns>
    /// <exception cref="ArgumentException">The name is empty, has a dot or is taken.</exception>
    protected T Register<T>(string name, T layer)
        where T : Layer
    {
        ArgumentNullException.ThrowIfNull(layer);
        AddChild(name, layer);
        return layer;
    }

    /// <summary>Registers a learnable tensor, like <c>self.name = nn.Parameter(tensor)</c>; its key is <c>name</c>.</summary>
    /// <param name="name">Unique among this module's children, parameters and buffers.</param>
    /// <param name="tensor">The parameter's value (kept, not copied).</param>
    /// <returns>The new <see cref="Parameter"/>; use its <see cref="Parameter.Value"/> in the forward.</returns>
    protected Parameter RegisterParameter(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return RegisterParameter(name, new Parameter(tensor));
    }

    /// <summary>Registers an existing parameter (shared with another module, for example).</summary>
    /// <param name="name">Unique among this module's children, parameters and buffers.</param>
    /// <param name="parameter">The parameter.</param>
    /// <returns><paramref name="parameter"/>.</returns>
    protected Parameter RegisterParameter(string name, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        CheckName(name);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a buffer: state saved in the state dict but not learned, like <c>register_buffer(name, tensor)</c>.</summary>
    /// <param name="name">Unique among this module's children, parameters and buffers.</param>
    /// <param name="tensor">The buffer (kept, not copied).</param>
    /// <returns><paramref name="tensor"/>.</returns>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckName(name);
        _buffers.Add((name, tensor));
        return tensor;
    }

    /// <summary>Adds a child of any <see cref="ILayer"/> type (a <see cref="Sequential"/>'s children).</summary>
    private protected void AddChild(string name, ILayer layer)
    {
        CheckName(name);
        _children.Add((name, layer));
    }

    private void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new ArgumentException($"{Name}: a child, parameter or buffer needs a name.", nameof(name));
        }

        if (name.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{Name}: the name '{name}' contains a dot; dots separate the levels of a state-dict key (PyTorch refuses them too).", nameof(name));
        }

        if (_children.Any(c => c.Name == name) || _parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name))
        {
            throw new ArgumentException($"{Name}: the name '{name}' is already registered.", nameof(name));
        }
    }

    /// <summary>The direct children with their names, in registration order, like <c>named_children()</c>.</summary>
    /// <returns>(name, child) pairs.</returns>
    public IEnumerable<(string Name, ILayer Layer)> NamedChildren() => _children;

    /// <summary>
    /// This module and every module and layer below it with its dotted path, pre-order, like <c>named_modules()</c>:
    /// the module itself first with the empty name, then <c>conv1</c>, <c>layer1</c>, <c>layer1.0</c>, …
    /// </summary>
    /// <returns>(path, layer) pairs; a layer registered twice appears once, under its first path.</returns>
    public IEnumerable<(string Name, ILayer Layer)> NamedModules()
    {
        var seen = new HashSet<ILayer>(ReferenceEqualityComparer.Instance);
        var result = new List<(string, ILayer)>();
        Walk(this, "");
        return result;

        void Walk(ILayer layer, string path)
        {
            if (!seen.Add(layer))
            {
                return;
            }

            result.Add((path, layer));
            if (layer is Module module)
            {
                foreach ((string name, ILayer child) in module._children)
                {
                    Walk(child, path.Length == 0 ? name : path + "." + name);
                }
            }
        }
    }

    /// <summary>The path of <paramref name="layer"/> below this module (<c>layer1.0.conv1</c>), or null.</summary>
    internal string? PathOf(ILayer layer) => PathMap().TryGetValue(layer, out string? path) ? path : null;

    /// <summary>Every layer below this module (itself included, as "") by reference, with its first path.</summary>
    internal Dictionary<ILayer, string> PathMap()
    {
        var paths = new Dictionary<ILayer, string>(ReferenceEqualityComparer.Instance);
        foreach ((string name, ILayer layer) in NamedModules())
        {
            paths.TryAdd(layer, name);
        }

        return paths;
    }

    /// <summary>Every parameter, in state-dict order (what an optimizer takes), like <c>parameters()</c>.</summary>
    /// <returns>The parameters, each once.</returns>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(named => named.Parameter);

    /// <inheritdoc/>
    /// <remarks>This module's own parameters, then each child's under its name, like <c>named_parameters()</c>; a parameter shared by two children appears once.</remarks>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach ((string name, Parameter parameter) in AllParameters(""))
        {
            if (seen.Add(parameter))
            {
                yield return (name, parameter);
            }
        }
    }

    private IEnumerable<(string Name, Parameter Parameter)> AllParameters(string prefix)
    {
        foreach ((string name, Parameter parameter) in _parameters)
        {
            yield return (prefix + name, parameter);
        }

        foreach ((string name, ILayer child) in _children)
        {
            IEnumerable<(string, Parameter)> below = child is Module module ? module.AllParameters(prefix + name + ".") : child.NamedParameters().Select(p => (prefix + name + "." + p.Name, p.Parameter));
            foreach ((string, Parameter) entry in below)
            {
                yield return entry;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>This module's own buffers, then each child's under its name, like <c>named_buffers()</c>.</remarks>
    public override IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach ((string name, Tensor buffer) in _buffers)
        {
            yield return (name, buffer);
        }

        foreach ((string name, ILayer child) in _children)
        {
            foreach ((string key, Tensor buffer) in child.NamedBuffers())
            {
                yield return (name + "." + key, buffer);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Sets the mode of this module and of every child, recursively.</remarks>
    public override void Train(bool mode = true)
    {
        base.Train(mode);
        foreach ((_, ILayer child) in _children)
        {
            child.Train(mode);
        }
    }

    /// <inheritdoc/>
    /// <remarks>The children's buffers are not shared across calls inside a module (a layer's result may be read again later).</remarks>
    internal override void SetReuseBuffers(bool reuse) => SetOwnReuseBuffers(false);

    /// <summary>The module's forward while a recording is in progress: its steps join it (the graph is flat).</summary>
    internal virtual Tensor ForwardRecorded(Tensor input) => InvokeCore(input);

    /// <inheritdoc/>
    /// <remarks>Training mode records the forward for <see cref="Backward(Tensor)"/>; evaluation mode runs the traced plan.</remarks>
    internal override Tensor ForwardUnrecorded(Tensor input)
    {
        if (KeepsForBackward)
        {
            (_lastRecording, _lastEvaluationInput) = (null, null);
            if (_evaluationStates is { } states)
            {
                states.Value = default;
            }

            // The last step's feature maps are dead now (only its output may still be held): this step reuses them.
            _lastTraining?.ReleaseActivations();
            _lastTraining = null;
            var recording = new GraphRecorder(this, input, RecordingMode.Differentiate) { Pool = _trainingBuffers ??= new TrainingBufferPool() };
            try
            {
                recording.Run(InvokeCore);
            }
            catch
            {
                recording.ReleaseActivations();
                throw;
            }

            (_lastRecording, _lastTraining) = (recording, recording);
            return recording.Output!;
        }

        // Each thread's Backward differentiates that thread's last forward; the shared field serves a Backward on
        // another thread (an await between the two).
        ThreadLocal<EvaluationState> evaluationStates = _evaluationStates
            ?? Interlocked.CompareExchange(ref _evaluationStates, new ThreadLocal<EvaluationState>(), null)
            ?? _evaluationStates;
        evaluationStates.Value = new EvaluationState(input, null);
        (_lastRecording, _lastEvaluationInput) = (null, input);
        return EvaluationForward(input);
    }

    /// <summary>Evaluation-mode forward, not recorded: the traced plan for the input's shape.</summary>
    internal virtual Tensor EvaluationForward(Tensor input)
    {
        GraphPlans plans = _plans ?? Interlocked.CompareExchange(ref _plans, new GraphPlans(this), null) ?? _plans;
        return plans.Forward(input);
    }

    /// <summary>The traced plans, once an evaluation-mode forward made them; for the tests.</summary>
    internal GraphPlans? Plans => _plans;

    /// <summary>Records a forward of <paramref name="input"/> for the given purpose, on this thread.</summary>
    internal GraphRecorder Record(Tensor input, RecordingMode mode)
    {
        var recording = new GraphRecorder(this, input, mode);
        recording.Run(InvokeCore);
        return recording;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>Back-propagates through the last forward's record (see the class remarks): returns ∂loss/∂input and
    /// adds every parameter's gradient into <see cref="Parameter.Gradient"/>.</para>
    /// <para>After an evaluation-mode forward, the forward is run again on its input with recording, then
    /// differentiated: BatchNorm with its running statistics, Dropout as the identity (as PyTorch).</para>
    /// </remarks>
    /// <exception cref="InvalidOperationException">No forward preceded this call.</exception>
    public override Tensor Backward(Tensor outputGradient) => BackwardCore(outputGradient, needInputGradient: true)!;

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        GraphRecorder recording = _lastRecording ?? RecordForBackward();
        return recording.Backward(outputGradient, needInputGradient);
    }

    /// <summary>
    /// Back-propagates the output's gradient and those of other results of the last training-mode forward at once,
    /// like <c>torch.autograd.backward([logits, aux1, aux2], [g, g1, g2])</c>: GoogLeNet's and Inception v3's
    /// auxiliary logits (<c>loss = ce(logits) + 0.3 · (ce(aux1) + ce(aux2))</c>), or any tensor the forward kept.
    /// </summary>
    /// <param name="outputGradient">∂loss/∂output, the shape of the last forward's output.</param>
    /// <param name="otherOutputs">Tensors the last forward computed, each with ∂loss/∂tensor of its shape.</param>
    /// <returns>∂loss/∂input; every parameter's gradient is accumulated as by <see cref="Backward(Tensor)"/>.</returns>
    /// <exception cref="InvalidOperationException">The last forward was not a training-mode (recorded) one.</exception>
    /// <exception cref="ArgumentException">A tensor was not computed by the last forward, or a gradient has another shape.</exception>
    public Tensor Backward(Tensor outputGradient, IReadOnlyList<(Tensor Output, Tensor Gradient)> otherOutputs)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        ArgumentNullException.ThrowIfNull(otherOutputs);
        GraphRecorder recording = _lastRecording
            ?? throw new InvalidOperationException($"{Name}: Backward with other outputs needs a training-mode Forward first (an evaluation-mode forward keeps only its input, not its intermediate tensors).");
        return recording.Backward(outputGradient, needInputGradient: true, otherOutputs)!;
    }

    private GraphRecorder RecordForBackward()
    {
        EvaluationState state = _evaluationStates?.Value ?? default;
        if (state.Recording is { } recorded)
        {
            return recorded;
        }

        Tensor input = state.Input ?? _lastEvaluationInput
            ?? throw new InvalidOperationException($"{Name}: Backward needs a Forward first.");
        GraphRecorder recording = Record(input, RecordingMode.Differentiate);
        if (_evaluationStates is { } states)
        {
            states.Value = new EvaluationState(input, recording);
        }

        return recording;
    }

    /// <summary>A thread's last evaluation-mode input and, once a Backward recorded it, its recording.</summary>
    private readonly record struct EvaluationState(Tensor? Input, GraphRecorder? Recording);

    /// <inheritdoc/>
    /// <remarks>Found by running the forward for its shapes only (the leaf layers compute nothing).</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) =>
        Record(new Tensor(inputShape.ToArray()), RecordingMode.Shapes).Output!.Shape.ToArray();

    /// <summary>
    /// Lists what the forward does for an input of <paramref name="inputShape"/>, like torchinfo: one row per layer
    /// call (its state-dict path and type) and per tensor operation (<c>add</c>, <c>cat</c>), with its output shape
    /// and parameter count (a layer's parameters on its first call).
    /// </summary>
    /// <param name="inputShape">The input's shape, e.g. <c>1, 3, 224, 224</c>.</param>
    /// <returns>The rows and the totals.</returns>
    /// <exception cref="ArgumentException">The shape does not fit some layer; the message names it.</exception>
    public virtual ModelSummary Summary(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        GraphRecorder graph = Record(new Tensor(inputShape), RecordingMode.Shapes);
        Dictionary<ILayer, string> paths = PathMap();
        var counted = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var rows = new List<LayerSummary>(graph.Nodes.Count);
        foreach (GraphNode node in graph.Nodes)
        {
            long count = 0;
            string name, key;
            long flops = 0;
            if (node is LayerCall call)
            {
                foreach ((_, Parameter parameter) in call.Layer.NamedParameters())
                {
                    count += counted.Add(parameter) ? parameter.Length : 0;
                }

                name = call.Layer.Name;
                key = paths.TryGetValue(call.Layer, out string? path) ? path : "(functional)";
                flops = (call.Layer as Layer)?.Flops(call.Input.Shape.ToArray(), call.Output.Shape.ToArray()) ?? 0;
            }
            else
            {
                var op = (OpCall)node;
                foreach (Tensor input in op.Inputs)
                {
                    if (Parameter.OwnerOf(input) is { } parameter && counted.Add(parameter))
                    {
                        count += parameter.Length;
                    }
                }

                name = op.Op.Name;
                key = "";
            }

            rows.Add(new LayerSummary(rows.Count, name, node.Output.Shape, count, flops) { Key = key });
        }

        long unused = NamedParameters().Where(p => !counted.Contains(p.Parameter)).Sum(p => (long)p.Parameter.Length);
        if (unused > 0)
        {
            rows.Add(new LayerSummary(rows.Count, "(parameters not used by this forward)", [], unused) { Key = "" });
        }

        return new ModelSummary(inputShape, rows);
    }

    /// <inheritdoc/>
    internal override long Flops(int[] inputShape, int[] outputShape) => Summary(inputShape).TotalFlops;

    /// <inheritdoc/>
    /// <remarks>The forward's graph, recorded for its shapes, each layer exporting itself under its path and each operation as its ONNX operators.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape) =>
        GraphExport.Export(this, graph, prefix, inputShape);

    /// <summary>Lists the children as PyTorch prints a module: <c>ResNet(\n  (conv1): Conv2d(…)\n  …\n)</c>.</summary>
    /// <returns>The module's description.</returns>
    public override string ToString()
    {
        if (_children.Count == 0)
        {
            return Name + "()";
        }

        var builder = new StringBuilder(Name).Append('(');
        foreach ((string name, ILayer child) in _children)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n  ({name}): {child.ToString()?.Replace("\n", "\n  ", StringComparison.Ordinal)}");
        }

        return builder.Append("\n)").ToString();
    }
}
