using LeNet.Layers;

namespace LeNet.IO;

/// <summary>
/// An ONNX graph imported as a <see cref="Module"/>: its forward runs the graph's nodes in order, each a call of a
/// registered layer (Conv → <see cref="Conv2d"/>, BatchNormalization → <see cref="BatchNorm2d"/>, …) or a
/// <see cref="Tensor"/> operation (Add, Concat, Reshape, …), with the graph's shape arithmetic computed from the
/// input's shape. Recording (training, backward), tracing (the compiled evaluation plan), <see cref="Module.Summary"/>
/// and ONNX export therefore work as for any module.
/// </summary>
/// <remarks>
/// Input [N, …] as the graph's input (any batch size; the other sizes as the file declares them, or any that fit
/// the graph) → output as the graph's output. State-dict keys are the initializers' names: a layer whose weight is
/// <c>features.0.weight</c> is registered at <c>features.0</c> (so <c>features.0.weight</c>, <c>features.0.bias</c>),
/// an initializer read by an operation is a parameter under its own name. Where a name cannot be a path (a weight
/// not ending in <c>.weight</c>, such as the <c>onnx::Conv_123</c> of BatchNorm-folded exports, or a clash), the
/// layer is registered under the weight's name with its dots made <c>_</c>.
/// </remarks>
internal sealed class OnnxGraphModule : Module
{
    private OnnxGraphStep[] _steps = [];
    private object?[] _static = [];
    private int _input;
    private int _output;
    private int[] _lastUse = [];

    internal OnnxGraphModule(string name) => Name = name;

    /// <summary>Sets the program once the builder has registered the layers: the steps, the values known at import (the rest null), and the input's and output's slots.</summary>
    internal void SetProgram(OnnxGraphStep[] steps, object?[] statics, int input, int output)
    {
        _steps = steps;
        _static = statics;
        _input = input;
        _output = output;
        _lastUse = new int[statics.Length];
        Array.Fill(_lastUse, -1);
        for (int i = 0; i < steps.Length; i++)
        {
            foreach (int slot in steps[i].Inputs)
            {
                _lastUse[slot] = i;
            }
        }

        _lastUse[output] = int.MaxValue;
    }

    /// <summary>The module's type name, as PyTorch prints a module.</summary>
    public override string Name { get; }

    /// <summary>Registers <paramref name="layer"/> under the dotted <paramref name="path"/>, creating the modules between.</summary>
    internal bool TryRegister(string path, ILayer layer) => OnnxContainer.TryAdd(this, path, layer, null);

    /// <summary>Registers a parameter under the dotted <paramref name="path"/>.</summary>
    internal bool TryRegisterParameter(string path, Parameter parameter) => OnnxContainer.TryAdd(this, path, null, parameter);

    /// <summary>Whether a child, a parameter or a buffer of this module has the name.</summary>
    internal bool IsTaken(string name) =>
        NamedChildren().Any(c => c.Name == name) || NamedParameters().Any(p => p.Name == name) || NamedBuffers().Any(b => b.Name == name);

    internal void AddChildDirect(string name, ILayer layer) => AddChild(name, layer);

    internal void AddParameterDirect(string name, Parameter parameter) => RegisterParameter(name, parameter);

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input)
    {
        object?[] values = (object?[])_static.Clone();
        values[_input] = input;
        for (int i = 0; i < _steps.Length; i++)
        {
            OnnxGraphStep step = _steps[i];
            step.Run(values, shapesOnly: false);
            foreach (int slot in step.Inputs)
            {
                if (_lastUse[slot] == i && _static[slot] is null)
                {
                    values[slot] = null; // nothing reads it again: let it go
                }
            }
        }

        return values[_output] switch
        {
            Tensor tensor => tensor,
            OnnxConst constant => constant.AsTensor(),
            _ => throw new InvalidOperationException($"{Name}: the graph's output was not computed."),
        };
    }
}

/// <summary>A module that only holds children and parameters under a path segment (<c>features</c> of <c>features.0.weight</c>).</summary>
internal sealed class OnnxContainer : Module
{
    public override string Name => "Module";

    /// <summary>Adds a layer or a parameter at the dotted path below <paramref name="root"/>; false when the path is taken or not a valid path.</summary>
    public static bool TryAdd(Module root, string path, ILayer? layer, Parameter? parameter)
    {
        string[] parts = path.Split('.');
        if (parts.Any(p => p.Length == 0))
        {
            return false;
        }

        Module current = root;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            ILayer? child = current.NamedChildren().FirstOrDefault(c => c.Name == parts[i]).Layer;
            if (child is null)
            {
                if (Taken(current, parts[i]))
                {
                    return false;
                }

                var container = new OnnxContainer();
                Add(current, parts[i], container, null);
                current = container;
            }
            else if (child is OnnxContainer container)
            {
                current = container;
            }
            else
            {
                return false;
            }
        }

        if (Taken(current, parts[^1]))
        {
            return false;
        }

        Add(current, parts[^1], layer, parameter);
        return true;
    }

    /// <summary>Whether a child, an own parameter or an own buffer has the name (those of children have dots in theirs).</summary>
    private static bool Taken(Module module, string name) =>
        module.NamedChildren().Any(c => c.Name == name) || module.NamedParameters().Any(p => p.Name == name) || module.NamedBuffers().Any(b => b.Name == name);

    private static void Add(Module module, string name, ILayer? layer, Parameter? parameter)
    {
        switch (module)
        {
            case OnnxContainer container when layer is not null:
                container.AddChild(name, layer);
                break;
            case OnnxContainer container:
                container.RegisterParameter(name, parameter!);
                break;
            case OnnxGraphModule graph when layer is not null:
                graph.AddChildDirect(name, layer);
                break;
            case OnnxGraphModule graph:
                graph.AddParameterDirect(name, parameter!);
                break;
        }
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor input) =>
        throw new NotSupportedException("a container of an imported ONNX graph's parameters has no forward of its own; call the imported module.");
}
