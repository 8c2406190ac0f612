using System.Collections;
using System.Globalization;
using System.Text;

namespace LeNet.Layers;

/// <summary>
/// Layers applied one after another, like <c>torch.nn.Sequential(*layers)</c>. Child <c>i</c>'s
/// parameters are named <c>"{i}.{name}"</c> in the state dict (<c>0.weight</c>, <c>3.bias</c>, …), and a
/// nested Sequential adds its own prefix (<c>1.0.weight</c>), exactly as in PyTorch.
/// </summary>
public sealed partial class Sequential : Layer, IReadOnlyList<ILayer>
{
    private readonly ILayer[] _layers;

    /// <summary>Creates the container.</summary>
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
    }

    /// <inheritdoc/>
    public override string Name => nameof(Sequential);

    /// <summary>The number of child layers.</summary>
    public int Count => _layers.Length;

    /// <summary>The child layer at <paramref name="index"/>.</summary>
    /// <param name="index">Zero-based position, as in PyTorch's <c>net[index]</c>.</param>
    /// <returns>The layer.</returns>
    public ILayer this[int index] => _layers[index];

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
    /// <remarks>Runs each child on the previous child's output. Safe to call from many threads at once.</remarks>
    public override Tensor Forward(Tensor input)
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
    /// <remarks>Runs each child's backward in reverse order, the gradient of one feeding the next.</remarks>
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
        base.SetReuseBuffers(reuse);
        foreach (ILayer layer in _layers)
        {
            (layer as Layer)?.SetReuseBuffers(reuse);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Sets the mode of this container and of every child, recursively.</remarks>
    public override void Train(bool mode = true)
    {
        base.Train(mode);
        foreach (ILayer layer in _layers)
        {
            layer.Train(mode);
        }
    }

    /// <summary>Every parameter of the model, in state-dict order (what an optimizer takes).</summary>
    /// <returns>The parameters, without their names.</returns>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(named => named.Parameter);

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            foreach ((string name, Parameter parameter) in _layers[i].NamedParameters())
            {
                yield return (i.ToString(CultureInfo.InvariantCulture) + "." + name, parameter);
            }
        }
    }

    /// <summary>
    /// The parameters by PyTorch state-dict name, in registration order, like <c>net.state_dict()</c>.
    /// The tensors are the model's own (as in PyTorch): writing to them changes the model.
    /// </summary>
    /// <returns>Name → tensor, e.g. <c>0.weight</c> → [6, 1, 5, 5] for LeNet.</returns>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, Parameter parameter) in NamedParameters())
        {
            state.Add(name, parameter.Value);
        }

        return state;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into the model's parameters, like
    /// <c>net.load_state_dict(state_dict, strict)</c>. All checks run first: on any problem nothing is changed.
    /// </summary>
    /// <param name="stateDict">Name → tensor, with PyTorch's names.</param>
    /// <param name="strict">When true, a missing or an unexpected key is an error; a shape mismatch is always one.</param>
    /// <exception cref="ArgumentException">A key is missing or unexpected (strict), a tensor is null or has the wrong shape; the message names every offending key.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = NamedParameters().ToList();
        var problems = new List<string>();
        var ownNames = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, Parameter parameter) in own)
        {
            ownNames.Add(name);
            if (!stateDict.TryGetValue(name, out Tensor? value))
            {
                if (strict)
                {
                    problems.Add($"missing key '{name}' (expected shape {Tensor.FormatShape(parameter.Value.Shape)})");
                }
            }
            else if (value is null)
            {
                problems.Add($"key '{name}' has a null tensor");
            }
            else if (!value.Shape.SequenceEqual(parameter.Value.Shape))
            {
                problems.Add($"size mismatch for '{name}': expected {Tensor.FormatShape(parameter.Value.Shape)}, got {Tensor.FormatShape(value.Shape)}");
            }
        }

        if (strict)
        {
            foreach (string key in stateDict.Keys)
            {
                if (!ownNames.Contains(key))
                {
                    problems.Add($"unexpected key '{key}'");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"Sequential.LoadStateDict: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing was loaded: " + string.Join("; ", problems) + ".", nameof(stateDict));
        }

        foreach ((string name, Parameter parameter) in own)
        {
            if (stateDict.TryGetValue(name, out Tensor? value))
            {
                value!.AsSpan().CopyTo(parameter.Value.AsSpan());
            }
        }
    }

    /// <summary>
    /// Runs shape inference through each child for an input of <paramref name="inputShape"/>, like the
    /// d2l loop that prints <c>Conv2d output shape: torch.Size([1, 6, 28, 28])</c>.
    /// </summary>
    /// <param name="inputShape">The input's shape, e.g. <c>1, 1, 28, 28</c>.</param>
    /// <returns>One row per child (index, name, output shape, parameter count) and the total.</returns>
    /// <exception cref="ArgumentException">The shape does not fit some child; the message names it.</exception>
    public ModelSummary Summary(params int[] inputShape)
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

            rows.Add(new LayerSummary(i, _layers[i].Name, shape, count, Flops(_layers[i], input, shape)));
        }

        return new ModelSummary(inputShape, rows);
    }

    /// <summary>
    /// Floating-point operations of one forward pass, counted as 2 per multiply-add of the convolutions
    /// and dense layers (the usual convention; LeNet: 0.833 MFLOP per image). Other layers count 0.
    /// </summary>
    private static long Flops(ILayer layer, int[] input, int[] output) => layer switch
    {
        Conv2d conv => 2L * conv.InChannels * conv.KernelSize * conv.KernelSize * Product(output),
        Linear linear => 2L * linear.InFeatures * Product(output),
        Sequential nested => nested.Summary(input).TotalFlops,
        _ => 0,
    };

    private static long Product(int[] shape) => shape.Aggregate(1L, (a, b) => a * b);

    /// <inheritdoc/>
    public IEnumerator<ILayer> GetEnumerator() => ((IEnumerable<ILayer>)_layers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Lists the children as PyTorch prints a Sequential, one per line with its index.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString()
    {
        var builder = new StringBuilder("Sequential(");
        for (int i = 0; i < _layers.Length; i++)
        {
            builder.Append(CultureInfo.InvariantCulture, $"\n  ({i}): {_layers[i].ToString()?.Replace("\n", "\n  ", StringComparison.Ordinal)}");
        }

        return builder.Append(_layers.Length > 0 ? "\n)" : ")").ToString();
    }
}
