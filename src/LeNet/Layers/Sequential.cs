using System.Collections;
using System.Globalization;
using System.Text;
using LeNet.Compiler;
using LeNet.Graphs;
using LeNet.Inference;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>
/// Layers applied one after another, like <c>torch.nn.Sequential(*layers)</c> or, with names,
/// <c>torch.nn.Sequential(OrderedDict(...))</c>. Child <c>i</c>'s parameters are named
/// <c>"{i}.{name}"</c> in the state dict (<c>0.weight</c>, <c>3.bias</c>, …), a named child's
/// <c>"{childName}.{name}"</c> (<c>conv1.weight</c>), and a nested Sequential adds its own prefix
/// (<c>1.0.weight</c>, <c>convnet.c1.weight</c>), exactly as in PyTorch.
/// </summary>
public sealed class Sequential : Module, IReadOnlyList<ILayer>
{
    private readonly ILayer[] _layers;
    private readonly string[] _names;
    private CompiledForward? _engine;
    private bool _chainTrains;
    private bool _chainForward;

    /// <summary>Creates an empty container, like <c>nn.Sequential()</c>.</summary>
    public Sequential()
        : this(Array.Empty<ILayer>())
    {
    }

    /// <summary>Creates the container; the children are named by their index, <c>"0"</c>, <c>"1"</c>, …</summary>
    /// <param name="layers">The layers in the order they run; none may be null.</param>
    /// <exception cref="ArgumentException">A layer is null.</exception>
    public Sequential(params ILayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null)
            {
                throw new ArgumentException($"Sequential: layer {i} is null.", nameof(layers));
            }
        }

        _layers = (ILayer[])layers.Clone();
        _names = [.. Enumerable.Range(0, layers.Length).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        RegisterChildren();
    }

    /// <summary>
    /// Creates the container with named children, like <c>nn.Sequential(OrderedDict([("conv1", …), …]))</c>:
    /// <c>new Sequential(("conv1", new Conv2d(1, 6, 5)), ("relu1", new ReLU()))</c>. The state-dict keys
    /// use the names (<c>conv1.weight</c>).
    /// </summary>
    /// <param name="layers">The children in the order they run, each with its name: unique, non-empty, without dots.</param>
    /// <exception cref="ArgumentException">A layer is null, or a name is empty, contains a dot or repeats another.</exception>
    public Sequential(params (string Name, ILayer Layer)[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Length; i++)
        {
            (string name, ILayer layer) = layers[i];
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"Sequential: the name of child {i} is empty; every child needs a name (e.g. \"conv1\").", nameof(layers));
            }

            if (name.Contains('.', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Sequential: child name '{name}' contains a dot; dots separate the levels of a state-dict key (as in PyTorch, which refuses them too).", nameof(layers));
            }

            if (!seen.Add(name))
            {
                throw new ArgumentException($"Sequential: child name '{name}' is used twice (children {Array.FindIndex(layers, l => l.Name == name)} and {i}); names must be unique.", nameof(layers));
            }

            if (layer is null)
            {
                throw new ArgumentException($"Sequential: layer '{name}' (child {i}) is null.", nameof(layers));
            }
        }

        _layers = [.. layers.Select(l => l.Layer)];
        _names = [.. layers.Select(l => l.Name)];
        RegisterChildren();
    }

    private void RegisterChildren()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            AddChild(_names[i], _layers[i]);
        }

        // A leaf that appears twice in the chain would have its first call's cache overwritten by the second:
        // such a chain trains through the recording (which repeats the earlier call before its backward).
        var leaves = new HashSet<ILayer>(ReferenceEqualityComparer.Instance);
        _chainTrains = StageCompiler.Leaves(this).All(leaf => leaves.Add(leaf.Layer)) && !HasGenericModule(this);
    }

    /// <summary>Whether a generic <see cref="Module"/> (not a Sequential) sits among the chain's leaves.</summary>
    private static bool HasGenericModule(Sequential chain) =>
        StageCompiler.Leaves(chain).Any(leaf => leaf.Layer is Module);

    /// <inheritdoc/>
    public override string Name => nameof(Sequential);

    /// <summary>The number of child layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The child layer at <paramref name="index"/>.</summary>
    /// <param name="index">Zero-based position, as in PyTorch's <c>net[index]</c>.</param>
    /// <returns>The layer.</returns>
    public ILayer this[int index] => _layers[index];

    /// <summary>The child layer named <paramref name="name"/>, like PyTorch's <c>net.conv1</c> (or <c>net["0"]</c> for an index-named child).</summary>
    /// <param name="name">The child's name.</param>
    /// <returns>The layer.</returns>
    /// <exception cref="KeyNotFoundException">No child has that name; the message lists the names.</exception>
    public ILayer this[string name]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(name);
            int index = Array.IndexOf(_names, name);
            return index >= 0
                ? _layers[index]
                : throw new KeyNotFoundException($"Sequential: no child named '{name}'; the children are {string.Join(", ", _names.Select(n => $"'{n}'"))}.");
        }
    }

    /// <summary>The children's names in order: their indices (<c>"0"</c>, <c>"1"</c>, …) or the names given at construction.</summary>
    /// <remarks>A read-only view: the names cannot be changed through it (a cast to <c>string[]</c> fails).</remarks>
    public IReadOnlyList<string> Names => Array.AsReadOnly(_names);

    /// <inheritdoc/>
    /// <remarks>The shape after every child in turn; an unfit shape names the child that rejects it.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        int[] shape = inputShape.ToArray();
        foreach (ILayer layer in _layers)
        {
            shape = layer.GetOutputShape(shape);
        }

        return shape;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>Runs each child on the previous child's output.</para>
    /// <para><b>Evaluation mode</b> (<see cref="Layer.Eval"/> on this container and so on every child): the
    /// model is compiled on the first call for an input shape (<c>[N, C, H, W]</c> or <c>[N, F]</c>; any N)
    /// into the fused stages the <see cref="Inference.Predictor"/> runs, cached and reused: the same numbers
    /// as the layers to about 1e-6, bit-identical whatever the thread count, allocating only the returned
    /// tensor. The compiled weights never go stale: any change through the library's API (<c>LoadStateDict</c>,
    /// <c>Load</c>, an optimizer step, <c>Init.*</c>, <see cref="Tensor.AsSpan"/>, the indexer) moves the
    /// tensor's <see cref="Tensor.Version"/>, and the next call repacks. A model with a layer the compiler
    /// does not know runs layer by layer; a chain with <see cref="Module"/>s among its children runs the
    /// traced graph of <see cref="Module"/>. In evaluation mode any number of threads may call Forward on one
    /// model at once (each call gets its own workspace; nobody waits), as long as nobody changes the
    /// weights or the mode meanwhile and no <see cref="Training.Trainer"/> owns the model.</para>
    /// <para><b>Training mode</b> runs layer by layer with PyTorch's semantics and remembers what
    /// <see cref="Backward(Tensor)"/> needs: one thread at a time.</para>
    /// </remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        GraphRecorder? recorder = GraphRecorder.Current;
        Tensor x = input;
        foreach (ILayer layer in _layers)
        {
            // A child that is not a Layer cannot record itself: the recording calls it as a leaf.
            x = recorder is null || layer is Layer ? layer.Forward(x) : recorder.CallLeaf(layer, x);
        }

        return x;
    }

    /// <inheritdoc/>
    /// <remarks>Training mode runs the chain layer by layer, each child keeping what its backward needs.</remarks>
    internal override Tensor ForwardUnrecorded(Tensor input)
    {
        if (IsTraining && _chainTrains)
        {
            _chainForward = true;
            return ForwardLayers(input);
        }

        _chainForward = false;
        return base.ForwardUnrecorded(input);
    }

    /// <inheritdoc/>
    /// <remarks>A chain of leaves runs on the compiled engine; one with Modules among its children, the traced graph.</remarks>
    internal override Tensor EvaluationForward(Tensor input)
    {
        if (!_chainTrains || ReuseBuffers)
        {
            return ReuseBuffers ? ForwardLayers(input) : base.EvaluationForward(input);
        }

        CompiledForward engine = _engine ?? Interlocked.CompareExchange(ref _engine, new CompiledForward(this), null) ?? _engine;
        return engine.TryForward(input, out Tensor? output) ? output! : ForwardLayers(input);
    }

    /// <summary>
    /// Runs the compiled engine into a graph plan's buffer (see <see cref="CompiledForward.TryForwardInto"/>); false,
    /// with nothing written, where <see cref="EvaluationForward"/> would not run the engine (the caller then runs
    /// <see cref="ILayer.Forward"/> and copies).
    /// </summary>
    internal bool TryForwardInto(Tensor input, Span<float> outputs, int outputStride, int outputOffset, ReadOnlySpan<float> addend, bool relu)
    {
        if (!_chainTrains || ReuseBuffers || IsTraining || KeepsForBackward || GraphRecorder.Current is not null)
        {
            return false;
        }

        CompiledForward engine = _engine ?? Interlocked.CompareExchange(ref _engine, new CompiledForward(this), null) ?? _engine;
        return engine.TryForwardInto(input, outputs, outputStride, outputOffset, addend, relu);
    }

    /// <summary>Whether this is a chain of leaf layers, each once (what the engine compiles whole and the chain backward trains).</summary>
    internal bool IsChain => _chainTrains;

    /// <summary>The evaluation-mode engine, once a Forward in evaluation mode created it; for the tests.</summary>
    internal CompiledForward? Engine => _engine;

    /// <summary>Forward layer by layer through each child's own <see cref="ILayer.Forward"/>, never the compiled plan (the reference the tests compare the plan with).</summary>
    internal Tensor ForwardLayers(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        Tensor x = input;
        foreach (ILayer layer in _layers)
        {
            x = layer.Forward(x);
        }

        return x;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// After a training-mode forward, runs each child's backward in reverse order, the gradient of one feeding the
    /// next; after an evaluation-mode forward, differentiates it as any <see cref="Module"/> does.
    /// </remarks>
    public override Tensor Backward(Tensor outputGradient) => Backward(outputGradient, computeInputGradient: true)!;

    /// <summary>
    /// Back-propagates through the children in reverse order, like <see cref="Backward(Tensor)"/>; with
    /// <paramref name="computeInputGradient"/> false the first child skips ∂loss/∂input (a training loop
    /// never needs the gradient of the images), which saves work, and null is returned.
    /// </summary>
    /// <param name="outputGradient">∂loss/∂output, the shape of the last forward's output.</param>
    /// <param name="computeInputGradient">Whether to compute ∂loss/∂input.</param>
    /// <returns>∂loss/∂input, or null when not computed.</returns>
    public Tensor? Backward(Tensor outputGradient, bool computeInputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (!_chainForward)
        {
            return base.BackwardCore(outputGradient, computeInputGradient);
        }

        Tensor? gradient = outputGradient;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            bool need = computeInputGradient || i > 0;
            gradient = _layers[i] is Layer layer ? layer.BackwardCore(gradient!, need) : _layers[i].Backward(gradient!);
        }

        return gradient;
    }

    internal override Tensor? BackwardCore(Tensor outputGradient, bool needInputGradient) => Backward(outputGradient, computeInputGradient: needInputGradient);

    internal override void SetReuseBuffers(bool reuse)
    {
        SetOwnReuseBuffers(reuse);
        if (!_chainTrains)
        {
            // Trained through the recording, where a layer's result may be read again later.
            return;
        }

        foreach (ILayer layer in _layers)
        {
            (layer as Layer)?.SetReuseBuffers(reuse);
        }
    }

    /// <summary>
    /// Runs shape inference through each child for an input of <paramref name="inputShape"/>, like the
    /// d2l loop that prints <c>Conv2d output shape: torch.Size([1, 6, 28, 28])</c>.
    /// </summary>
    /// <param name="inputShape">The input's shape, e.g. <c>1, 1, 28, 28</c>.</param>
    /// <returns>One row per child (index, name, output shape, parameter count) and the total.</returns>
    /// <exception cref="ArgumentException">The shape does not fit some child; the message names it.</exception>
    public override ModelSummary Summary(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var rows = new List<LayerSummary>(_layers.Length);
        int[] shape = inputShape;
        for (int i = 0; i < _layers.Length; i++)
        {
            int[] input = shape;
            shape = _layers[i].GetOutputShape(shape);
            long count = 0;
            foreach ((_, Parameter parameter) in _layers[i].NamedParameters())
            {
                count += parameter.Length;
            }

            long flops = (_layers[i] as Layer)?.Flops(input, shape) ?? 0;
            rows.Add(new LayerSummary(i, _layers[i].Name, shape, count, flops) { Key = _names[i] });
        }

        return new ModelSummary(inputShape, rows);
    }

    /// <inheritdoc/>
    /// <remarks>Each child answers for itself (LeNet: 0.833 MFLOP per image); a child that is not a <see cref="Layer"/> counts 0.</remarks>
    internal override long Flops(int[] inputShape, int[] outputShape) => Summary(inputShape).TotalFlops;

    /// <inheritdoc/>
    /// <remarks>The children are inlined, each exporting itself under its own prefix.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        int[] shape = inputShape;
        for (int i = 0; i < _layers.Length; i++)
        {
            string childPrefix = prefix + _names[i] + ".";
            if (_layers[i] is Layer layer)
            {
                layer.ExportOnnx(graph, childPrefix, shape);
            }
            else
            {
                OnnxGraph.ThrowUnsupported(_layers[i], childPrefix);
            }

            shape = _layers[i].GetOutputShape(shape);
        }
    }

    /// <inheritdoc/>
    public IEnumerator<ILayer> GetEnumerator() => ((IEnumerable<ILayer>)_layers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Lists the children as PyTorch prints a Sequential, one per line with its name (<c>(conv1): Conv2d(…)</c>, or <c>(0): …</c> for an index).</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder("Sequential(");
        for (int i = 0; i < _layers.Length; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n  ({_names[i]}): {_layers[i].ToString()?.Replace("\n", "\n  ", StringComparison.Ordinal)}");
        }

        return builder.Append(_layers.Length > 0 ? "\n)" : ")").ToString();
    }
}
