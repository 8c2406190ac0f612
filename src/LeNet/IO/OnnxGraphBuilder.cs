using System.Globalization;
using System.Text;
using LeNet.Graphs.Ops;
using LeNet.Layers;

namespace LeNet.IO;

/// <summary>
/// Turns an ONNX graph (any DAG of supported operators) into an <see cref="OnnxGraphModule"/>: nodes in topological
/// order, each a layer (through the chain importer's mapping of that one node, so both importers read an operator
/// alike) or a computation over tensors and small constants.
/// </summary>
/// <remarks>
/// <para>The builder runs the program once for the declared input shape (batch 1), leaf layers computing shapes
/// only: that fixes which values are tensors of data and which are constants (shape arithmetic), folds what does not
/// depend on the input, and checks every node's shapes before anything runs for real.</para>
/// <para>Memory is bounded by the file's size: constants hold at most <see cref="OnnxConst.MaxElements"/> values; each
/// tensor of the shape pass (the declared input included) at most <see cref="TensorBudget"/> elements — 64 per byte of
/// the model, at least 2^22 and at most 2^26 — and all of them together at most 16 times that. A file asking for more
/// is refused with <see cref="InvalidDataException"/> before anything runs.</para>
/// </remarks>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The most elements a value of the import's shape pass (batch 1) may have, whatever the file's size.</summary>
    private const long MaxElements = 1L << 26;

    /// <summary>The fewest elements a value of the shape pass may have, however small the file (a 1000×1000 input in a 200-byte file).</summary>
    private const long MinBudget = 1L << 22;

    /// <summary>Elements of one shape-pass tensor allowed per byte of the model.</summary>
    private const long ElementsPerByte = 64;

    /// <summary>How many one-tensor budgets all the shape pass's tensors together may hold.</summary>
    private const long TotalBudgets = 16;

    /// <summary>The operators that become layers through the chain importer's mapping of the single node.</summary>
    private static readonly HashSet<string> LayerOperators = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
        "Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "Selu", "PRelu", "Softplus", "Softsign", "Softmax", "LogSoftmax",
        "DepthToSpace", "Pad", "Dropout",
    };

    /// <summary>The operators the graph importer takes, for messages and docs.</summary>
    internal const string SupportedOperators =
        "Conv, ConvTranspose, BatchNormalization, Gemm, MatMul, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, PRelu, Softplus, Softsign, " +
        "Softmax, LogSoftmax, HardSigmoid, HardSwish, Clip, DepthToSpace (CRD), MaxPool, AveragePool, GlobalAveragePool, Pad, Dropout, Identity, " +
        "Constant, Add, Sub, Mul, Div, Neg, Concat, Split, Slice, Gather (constant indices), Transpose, Reshape, Flatten, Squeeze, Unsqueeze, " +
        "ReduceMean, ReduceSum, LayerNormalization, Erf, Sqrt, Pow (2, 0.5), GlobalMaxPool, Expand (constant shape), Shape, Cast, ConstantOfShape, " +
        "Range and Equal (on constants), Where (constant condition)";

    private readonly OnnxModelData _model;
    private readonly OnnxExternalData? _external;
    private readonly Dictionary<string, OnnxTensorData> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<object?> _values = [];
    private readonly List<bool> _static = [];
    private readonly List<OnnxGraphStep> _steps = [];
    private readonly Dictionary<string, Parameter> _parameters = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flatNames = new(StringComparer.Ordinal);
    private OnnxGraphModule _module = null!;
    private long _opset;

    private long _allocated;

    /// <summary>Prepares the build of <paramref name="model"/>, read from <paramref name="fileBytes"/> bytes (which bound the shape pass's memory).</summary>
    public OnnxGraphBuilder(OnnxModelData model, OnnxExternalData? external, long fileBytes)
    {
        _model = model;
        _external = external;
        TensorBudget = Math.Clamp(ElementsPerByte * Math.Max(fileBytes, 0), MinBudget, MaxElements);
    }

    /// <summary>The most elements one tensor of the shape pass may have for this file: 64 per byte, within [2^22, 2^26].</summary>
    internal long TensorBudget { get; }

    public Module Build()
    {
        OnnxGraphData graph = _model.Graph;
        _opset = ReadOpset(_model);
        foreach (OnnxTensorData initializer in graph.Initializers)
        {
            _initializers[initializer.Name] = initializer;
        }

        OnnxValueInfo[] inputs = [.. graph.Inputs.Where(i => !_initializers.ContainsKey(i.Name))];
        if (inputs.Length != 1)
        {
            throw new NotSupportedException($"the graph has {inputs.Length} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); a Module's Forward takes exactly one tensor. Export the model with one input (other inputs as initializers or constants).");
        }

        if (graph.Outputs.Count != 1)
        {
            throw new NotSupportedException($"the graph has {graph.Outputs.Count} outputs ({string.Join(", ", graph.Outputs.Select(o => $"'{o.Name}'"))}); a Module's Forward returns exactly one tensor. Export the model with one output (e.g. the outputs concatenated).");
        }

        int[] shape = OnnxChainBuilder.StaticShape(inputs[0].Shape)
            ?? throw new NotSupportedException($"the graph input '{inputs[0].Name}' does not declare all its sizes but the batch ({FormatDims(inputs[0].Shape)}); the importer needs them to map the graph.");
        CheckSize(shape, $"the graph input '{inputs[0].Name}'");
        _module = new OnnxGraphModule("OnnxGraph");
        Allocate(shape, $"the graph input '{inputs[0].Name}'");
        int input = NewSlot(inputs[0].Name, new Tensor(shape), isStatic: false);
        foreach (OnnxNodeData node in Sorted(graph.Nodes, inputs[0].Name))
        {
            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw new NotSupportedException($"{node} is in domain '{node.Domain}'; only the default ONNX domain is supported.");
            }

            try
            {
                Map(node);
            }
            catch (ArgumentException e)
            {
                // A shape that does not fit a node in the shape pass, or a layer's constructor refusing an attribute.
                throw new InvalidDataException(e.Message.StartsWith(node.ToString(), StringComparison.Ordinal) ? e.Message : $"{node}: {e.Message}", e);
            }
        }

        string outputName = graph.Outputs[0].Name;
        if (!_slots.TryGetValue(outputName, out int output))
        {
            throw new InvalidDataException($"the graph output '{outputName}' is produced by no node, initializer or input.");
        }

        RegisterPending();
        object?[] statics = new object?[_values.Count];
        for (int i = 0; i < statics.Length; i++)
        {
            statics[i] = _static[i] ? _values[i] : null;
        }

        _module.SetProgram([.. _steps], statics, input, output);
        return _module;
    }

    /// <summary>The default-domain opset, checked against what the importer takes.</summary>
    internal static long ReadOpset(OnnxModelData model)
    {
        long? version = null;
        foreach ((string domain, long v) in model.Opsets)
        {
            if (domain is "" or "ai.onnx")
            {
                version = v;
            }
        }

        if (version is null)
        {
            throw new InvalidDataException("the model imports no version of the default ONNX operator set (ModelProto.opset_import).");
        }

        if (version is < OnnxImporter.MinOpset or > OnnxImporter.MaxOpset)
        {
            throw new NotSupportedException($"the model uses ONNX opset {version}; opsets {OnnxImporter.MinOpset} to {OnnxImporter.MaxOpset} are supported.");
        }

        return version.Value;
    }

    /// <summary>The nodes in an order where each reads only values already produced (the file's order when it is one).</summary>
    private List<OnnxNodeData> Sorted(List<OnnxNodeData> nodes, string input)
    {
        var available = new HashSet<string>(_initializers.Keys, StringComparer.Ordinal) { input, "" };
        var sorted = new List<OnnxNodeData>(nodes.Count);
        var pending = new List<OnnxNodeData>(nodes);
        while (pending.Count > 0)
        {
            var waiting = new List<OnnxNodeData>();
            foreach (OnnxNodeData node in pending)
            {
                if (node.Inputs.All(available.Contains))
                {
                    sorted.Add(node);
                    available.UnionWith(node.Outputs);
                }
                else
                {
                    waiting.Add(node);
                }
            }

            if (waiting.Count == pending.Count)
            {
                OnnxNodeData stuck = waiting[0];
                string missing = stuck.Inputs.First(i => !available.Contains(i));
                throw new InvalidDataException($"{stuck} reads '{missing}', which no node, initializer or input produces (or the graph has a cycle).");
            }

            pending = waiting;
        }

        return sorted;
    }

    private void Map(OnnxNodeData node)
    {
        if (node.Outputs.Count == 0)
        {
            throw new InvalidDataException($"{node} has no output.");
        }

        switch (node.OpType)
        {
            case "Constant":
                SetStatic(node.Outputs[0], ConstantValue(node));
                return;
            case "Identity":
                Alias(node, node.Inputs.Count > 0 ? node.Inputs[0] : "");
                return;
            case "Clip":
                MapClip(node);
                return;
            case "HardSigmoid":
                MapHardSigmoid(node);
                return;
            case "HardSwish":
                AddLayer(node, new Hardswish(), null);
                return;
            case "Pad":
                MapPad(node);
                return;
            case "LayerNormalization":
                MapLayerNorm(node);
                return;
            case "MatMul":
                MapMatMul(node);
                return;
            default:
                break;
        }

        if (LayerOperators.Contains(node.OpType))
        {
            MapLayer(node, fallback: null);
            return;
        }

        int required = node.OpType switch
        {
            "Add" or "Sub" or "Mul" or "Div" or "Gather" or "Pow" => 2,
            "Reshape" => _opset >= 5 ? 2 : 1,
            "Slice" => _opset >= 10 ? 3 : 1,
            _ => 1,
        };
        if (node.Inputs.Count < required || node.Inputs.Take(required).Any(i => i.Length == 0))
        {
            throw new InvalidDataException($"{node} has {node.Inputs.Count(i => i.Length > 0)} inputs; {node.OpType} needs {required}.");
        }

        Func<object[], object[]> compute = node.OpType switch
        {
            "Add" or "Sub" or "Mul" or "Div" => Binary(node),
            "Neg" => args => [args[0] is OnnxConst c ? new OnnxConst([.. c.Data.Select(d => -d)], c.Dims, c.IsInt) : -(Tensor)args[0]],
            "Shape" => ShapeOf(node),
            "Cast" => Cast(node),
            "Gather" => Gather(node),
            "Unsqueeze" or "Squeeze" => SqueezeOrUnsqueeze(node),
            "Concat" => Concat(node),
            "Slice" => Slice(node),
            "Transpose" => Transpose(node),
            "Reshape" => Reshape(node),
            "Flatten" => Flatten(node),
            "ConstantOfShape" => ConstantOfShape(node),
            "Split" => Split(node),
            "ReduceMean" or "ReduceSum" => Reduce(node),
            "Erf" => args => [ErfOp.Instance.Apply(OnnxGraphStep.ToTensor(args[0]))],
            "Sqrt" => args => [args[0] is OnnxConst c ? new OnnxConst([.. c.Data.Select(Math.Sqrt)], c.Dims, isInt: false) : SqrtOp.Instance.Apply((Tensor)args[0])],
            "Pow" => Pow(node),
            "GlobalMaxPool" => GlobalMaxPool(node),
            "Expand" => Expand(node),
            "Range" => Range(node),
            "Equal" => Equal(node),
            "Where" => Where(node),
            _ => throw new NotSupportedException($"{node}: operator {node.OpType} is not supported (supported: {SupportedOperators})."),
        };
        AddComputation(node, compute);
    }

    // ---- values -------------------------------------------------------------------------------------------------

    private int NewSlot(string name, object? value, bool isStatic)
    {
        int slot = _values.Count;
        _values.Add(value);
        _static.Add(isStatic);
        _slots[name] = slot;
        return slot;
    }

    private void SetStatic(string name, object value) => NewSlot(name, value, isStatic: true);

    /// <summary>The slot of a value, creating it for an initializer on first use (int → constant, float → parameter).</summary>
    private int Slot(OnnxNodeData node, string name)
    {
        if (_slots.TryGetValue(name, out int slot))
        {
            return slot;
        }

        if (!_initializers.TryGetValue(name, out OnnxTensorData? tensor))
        {
            throw new InvalidDataException($"{node} reads '{name}', which no node, initializer or input produces.");
        }

        object value = tensor.DataType is OnnxProto.DataTypeInt64 or OnnxProto.DataTypeInt32 or OnnxProto.DataTypeBool
            ? ConstFromInts(tensor)
            : ParameterOf(tensor);
        return NewSlot(name, value, isStatic: true);
    }

    private object Value(OnnxNodeData node, int index) => _values[Slot(node, node.Inputs[index])]!;

    private OnnxConst ConstFromInts(OnnxTensorData tensor)
    {
        int[] dims = tensor.Shape(out int count);
        if (count > OnnxConst.MaxElements)
        {
            throw new NotSupportedException($"the integer tensor '{tensor.Name}' has {count} values; at most {OnnxConst.MaxElements} are supported.");
        }

        return new OnnxConst([.. tensor.ToInt64s(_external).Select(v => (double)v)], dims, isInt: true);
    }

    /// <summary>A float initializer read by an operation: a parameter registered under the initializer's name.</summary>
    private Tensor ParameterOf(OnnxTensorData tensor)
    {
        if (_parameters.TryGetValue(tensor.Name, out Parameter? existing))
        {
            return existing.Value;
        }

        int[] dims = tensor.Shape(out _);
        var parameter = new Parameter(Tensor.FromArray(tensor.ToFloats(_external), dims));
        if (!_module.TryRegisterParameter(tensor.Name, parameter))
        {
            _module.AddParameterDirect(FlatName(tensor.Name), parameter);
        }

        _parameters[tensor.Name] = parameter;
        return parameter.Value;
    }

    /// <summary>A constant input (an initializer, a Constant node's output, or folded arithmetic) as a tensor proto for the chain importer; null when the value is not known at import.</summary>
    private OnnxTensorData? ConstantData(OnnxNodeData node, string name)
    {
        if (_initializers.TryGetValue(name, out OnnxTensorData? tensor))
        {
            return tensor;
        }

        int slot = Slot(node, name);
        if (!_static[slot])
        {
            return null;
        }

        return _aliases.TryGetValue(slot, out OnnxTensorData? source) ? source : _values[slot] is OnnxConst c ? ToTensorData(name, c) : null;
    }

    private readonly Dictionary<int, OnnxTensorData> _aliases = [];

    private static OnnxTensorData ToTensorData(string name, OnnxConst value)
    {
        var writer = new ProtoWriter();
        foreach (int dim in value.Dims)
        {
            writer.WriteInt64(OnnxProto.TensorDims, dim);
        }

        writer.WriteInt64(OnnxProto.TensorDataType, value.IsInt ? OnnxProto.DataTypeInt64 : OnnxProto.DataTypeFloat);
        writer.WriteString(OnnxProto.TensorName, name);
        byte[] raw = new byte[value.Data.Length * (value.IsInt ? 8 : 4)];
        for (int i = 0; i < value.Data.Length; i++)
        {
            if (value.IsInt)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), (long)value.Data[i]);
            }
            else
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), (float)value.Data[i]);
            }
        }

        writer.WriteBytes(OnnxProto.TensorRawData, raw);
        return OnnxTensorData.Parse(new ProtoReader(writer.WrittenSpan.ToArray()));
    }

    private OnnxConst ConstantValue(OnnxNodeData node)
    {
        if (node.Attribute("value") is { T: { } tensor })
        {
            if (tensor.DataType is OnnxProto.DataTypeInt64 or OnnxProto.DataTypeInt32 or OnnxProto.DataTypeBool)
            {
                return ConstFromInts(tensor);
            }

            int[] dims = tensor.Shape(out int count);
            if (count > OnnxConst.MaxElements)
            {
                throw new NotSupportedException($"{node}: a constant of {count} values; at most {OnnxConst.MaxElements} are supported.");
            }

            return new OnnxConst([.. tensor.ToFloats(_external).Select(v => (double)v)], dims, isInt: false);
        }

        return node.Attribute("value_int") is { } i ? OnnxConst.Scalar(i.I, isInt: true)
            : node.Attribute("value_ints") is { } ints ? OnnxConst.Vector(ints.Ints.Select(v => (double)v), isInt: true)
            : node.Attribute("value_float") is { } f ? OnnxConst.Scalar(f.F, isInt: false)
            : node.Attribute("value_floats") is { } floats ? OnnxConst.Vector(floats.Floats.Select(v => (double)v), isInt: false)
            : throw new NotSupportedException($"{node}: only tensor, int(s) and float(s) constants are supported.");
    }

    private void Alias(OnnxNodeData node, string input)
    {
        if (_initializers.TryGetValue(input, out OnnxTensorData? initializer) && !_slots.ContainsKey(input))
        {
            _initializers[node.Outputs[0]] = initializer; // another name of the same initializer (and parameter)
            return;
        }

        int slot = Slot(node, input);
        _slots[node.Outputs[0]] = slot;
        if (_initializers.TryGetValue(input, out OnnxTensorData? tensor))
        {
            _aliases[slot] = tensor;
        }
    }

    // ---- steps --------------------------------------------------------------------------------------------------

    /// <summary>Adds a computation: folded now when it reads only constants known at import, else a step of the forward.</summary>
    private void AddComputation(OnnxNodeData node, Func<object[], object[]> compute)
    {
        int[] inputs = [.. node.Inputs.Select(name => name.Length == 0 ? -1 : Slot(node, name))];
        int[] used = [.. inputs.Where(i => i >= 0)];
        Func<object[], object[]> run = inputs.Length == used.Length ? compute : args =>
        {
            // Optional inputs left out ("") reach the computation as null.
            object[] full = new object[inputs.Length];
            for (int i = 0, k = 0; i < inputs.Length; i++)
            {
                full[i] = inputs[i] >= 0 ? args[k++] : null!;
            }

            return compute(full);
        };
        bool fold = used.All(i => _static[i] && _values[i] is OnnxConst);
        int[] outputs = [.. node.Outputs.Select(name => NewSlot(name, null, fold))];
        var step = new OnnxGraphStep(node, used, outputs, null, run);
        Execute(step);
        if (!fold)
        {
            _steps.Add(step);
        }
    }

    /// <summary>Runs a step in the shape pass, checking the sizes of what it produced.</summary>
    private void Execute(OnnxGraphStep step)
    {
        object?[] values = [.. _values];
        step.Run(values, shapesOnly: true);
        foreach (int slot in step.Outputs)
        {
            object? value = values[slot];
            if (value is Tensor t)
            {
                CheckSize(t.Shape.ToArray(), $"{step.Node}'s output");
                Allocate(t.Shape.ToArray(), $"{step.Node}'s output");
            }
            else if (value is OnnxConst c && c.Data.Length > OnnxConst.MaxElements)
            {
                throw new NotSupportedException($"{step.Node} computes {c.Data.Length} integers; at most {OnnxConst.MaxElements} are supported.");
            }

            _values[slot] = value;
        }
    }

    private void AddLayer(OnnxNodeData node, ILayer layer, string? weightName)
    {
        Register(node, layer, weightName);
        int input = Slot(node, node.Inputs.Count > 0 ? node.Inputs[0] : throw new InvalidDataException($"{node} has no input."));
        if (_values[input] is not Tensor && _values[input] is not OnnxConst)
        {
            throw new InvalidDataException($"{node}: its input is not a tensor.");
        }

        var step = new OnnxGraphStep(node, [input], [NewSlot(node.Outputs[0], null, isStatic: false)], layer, null);
        Execute(step);
        _steps.Add(step);
    }

    /// <summary>Maps one node to its layer with the chain importer, on a one-node model of the input's shape.</summary>
    private void MapLayer(OnnxNodeData node, Action<NotSupportedException>? fallback)
    {
        if (node.Inputs.Count == 0 || node.Inputs[0].Length == 0)
        {
            throw new InvalidDataException($"{node} has no data input.");
        }

        int input = Slot(node, node.Inputs[0]);
        int[] shape = OnnxGraphStep.ToTensor(_values[input]!).Shape.ToArray();
        var graph = new OnnxGraphData();
        var inputs = new List<string> { "x" };
        string? weightName = null;
        for (int i = 1; i < node.Inputs.Count; i++)
        {
            string name = node.Inputs[i];
            if (name.Length == 0)
            {
                inputs.Add("");
                continue;
            }

            OnnxTensorData data = ConstantData(node, name)
                ?? throw new NotSupportedException($"{node}: its input '{name}' is computed by the graph; only constant weights and attributes are supported for {node.OpType}.");
            weightName ??= i == 1 ? data.Name : null;
            string local = "c" + i.ToString(CultureInfo.InvariantCulture);
            graph.Initializers.Add(data.Name == local ? data : Renamed(data, local));
            inputs.Add(local);
        }

        graph.Nodes.Add(node.WithInputs(inputs));
        graph.Inputs.Add(new OnnxValueInfo { Name = "x", Shape = [.. shape.Select(d => (long?)d)] });
        graph.Outputs.Add(new OnnxValueInfo { Name = node.Outputs[0] });
        var model = new OnnxModelData { IrVersion = _model.IrVersion, Graph = graph };
        model.Opsets.Add(("", _opset));
        Sequential mapped;
        try
        {
            mapped = new OnnxChainBuilder(model, _external).Build();
        }
        catch (NotSupportedException e) when (fallback is not null)
        {
            fallback(e);
            return;
        }

        if (mapped.Count == 0)
        {
            Alias(node, node.Inputs[0]); // an inference no-op (zero pads)
            return;
        }

        ILayer layer = mapped.Count == 1 ? mapped[0] : throw new NotSupportedException($"{node} maps to {mapped.Count} layers; one was expected.");
        AddLayer(node, layer, node.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" or "BatchNormalization" or "PRelu" ? weightName : null);
    }

    /// <summary>A copy of a tensor proto under another name (the one-node model's input names).</summary>
    private OnnxTensorData Renamed(OnnxTensorData data, string name) =>
        data.DataType is OnnxProto.DataTypeInt64 or OnnxProto.DataTypeInt32
            ? ToTensorData(name, ConstFromInts(data))
            : ToTensorData(name, new OnnxConst([.. data.ToFloats(_external).Select(v => (double)v)], data.Shape(out _), isInt: false));

    /// <summary>
    /// Registers a layer: at the path its weight's name gives (<c>features.0.weight</c> → <c>features.0</c>), else at
    /// the module path in the node's name (<c>/features/features.0/features.0.2/Relu</c> → <c>features.0.2</c>), else
    /// under a flat name made of it.
    /// </summary>
    private void Register(OnnxNodeData node, ILayer layer, string? weightName)
    {
        if (weightName is null)
        {
            // Registered once the weights have their paths, so that an activation never takes a path a weight needs.
            _pending.Add((node, layer));
            return;
        }

        string path = weightName.EndsWith(".weight", StringComparison.Ordinal) ? weightName[..^".weight".Length] : weightName;
        if (path.Length == 0 || !_module.TryRegister(path, layer))
        {
            _module.AddChildDirect(FlatName(path.Length > 0 ? path : node.OpType.ToLowerInvariant()), layer);
        }
    }

    private readonly List<(OnnxNodeData Node, ILayer Layer)> _pending = [];

    /// <summary>Registers the layers without weights at the module path in their node's name: <c>/features/features.0/features.0.2/Relu</c> → <c>features.0.2</c>, else <c>features.0.2.Relu</c>, else a flat name.</summary>
    private void RegisterPending()
    {
        foreach ((OnnxNodeData node, ILayer layer) in _pending)
        {
            string[] parts = node.Name.Split('/');
            string scope = parts.Length > 2 ? parts[^2] : "";
            string last = parts[^1].Length > 0 ? parts[^1] : node.OpType;
            if ((scope.Length > 0 && _module.TryRegister(scope, layer)) || _module.TryRegister(scope.Length > 0 ? scope + "." + last : last, layer))
            {
                continue;
            }

            _module.AddChildDirect(FlatName(scope.Length > 0 ? scope + "_" + last : last), layer);
        }
    }

    /// <summary>A name without dots, unique at the module's top level.</summary>
    private string FlatName(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            builder.Append(c == '.' ? '_' : c);
        }

        string baseName = builder.Length > 0 ? builder.ToString() : "layer";
        string unique = baseName;
        for (int k = 2; _module.IsTaken(unique) || !_flatNames.Add(unique); k++)
        {
            unique = $"{baseName}_{k}";
        }

        return unique;
    }

    // ---- operators with their own mapping ----------------------------------------------------------------------

    private void MapClip(OnnxNodeData node)
    {
        double min, max;
        if (_opset < 11)
        {
            min = FloatAttribute(node, "min", float.NegativeInfinity);
            max = FloatAttribute(node, "max", float.PositiveInfinity);
        }
        else
        {
            min = OptionalScalar(node, 1) ?? double.NegativeInfinity;
            max = OptionalScalar(node, 2) ?? double.PositiveInfinity;
        }

        if (min == 0 && max == 6)
        {
            AddLayer(node, new ReLU6(), null);
        }
        else if (min == 0 && double.IsPositiveInfinity(max))
        {
            AddLayer(node, new ReLU(), null);
        }
        else
        {
            var op = new ClipOp((float)min, (float)max);
            AddComputation(node.WithInputs(node.Inputs.Take(1)), args => [op.Apply(OnnxGraphStep.ToTensor(args[0]))]);
        }
    }

    private void MapHardSigmoid(OnnxNodeData node)
    {
        float alpha = FloatAttribute(node, "alpha", 0.2f), beta = FloatAttribute(node, "beta", 0.5f);
        if (Math.Abs(alpha - (1f / 6)) < 1e-6f && beta == 0.5f)
        {
            AddLayer(node, new Hardsigmoid(), null); // what PyTorch exports nn.Hardsigmoid as
            return;
        }

        var clip = new ClipOp(0f, 1f);
        AddComputation(node, args => [clip.Apply((OnnxGraphStep.ToTensor(args[0]) * alpha) + beta)]);
    }

    /// <summary>
    /// MatMul: a <see cref="Linear"/> when B is a constant [in, out] matrix (through the chain importer), else the
    /// product of the two tensors (<see cref="MatMulOp"/>: B computed, or a batch of matrices), both getting gradients.
    /// </summary>
    private void MapMatMul(OnnxNodeData node)
    {
        try
        {
            MapLayer(node, fallback: null);
        }
        catch (NotSupportedException)
        {
            if (node.Inputs.Count != 2 || node.Inputs.Any(i => i.Length == 0))
            {
                throw new InvalidDataException($"{node} has {node.Inputs.Count(i => i.Length > 0)} inputs; MatMul needs 2.");
            }

            AddComputation(node, args => [MatMulOp.Instance.Apply(OnnxGraphStep.ToTensor(args[0]), OnnxGraphStep.ToTensor(args[1]))]);
        }
    }

    /// <summary>Pad: a padding layer for the last two dimensions of [N, C, H, W] (through the chain importer), else constant padding of any dimensions.</summary>
    private void MapPad(OnnxNodeData node) => MapLayer(node, e =>
    {
        string mode = node.Attribute("mode")?.S ?? "constant";
        if (mode != "constant")
        {
            throw e;
        }

        int rank = OnnxGraphStep.ToTensor(Value(node, 0)).Rank;
        long[] pads = _opset < 11
            ? [.. (node.Attribute("pads") ?? node.Attribute("paddings"))?.Ints ?? []]
            : StaticInts(node, 1, "pads");
        if (_opset >= 18 && node.Inputs.Count > 3 && node.Inputs[3].Length > 0)
        {
            throw e;
        }

        if (pads.Length != 2 * rank || pads.Any(p => p is < 0 or > int.MaxValue))
        {
            throw new NotSupportedException($"{node}: pads {OnnxTensorData.Format(pads)}: only non-negative constant padding of a rank-{rank} input is supported.", e);
        }

        float value = _opset < 11 ? FloatAttribute(node, "value", 0f) : (float)(OptionalScalar(node, 2) ?? 0);
        var op = new PadOp([.. pads.Take(rank).Select(p => (int)p)], [.. pads.Skip(rank).Select(p => (int)p)], value);
        AddComputation(node.WithInputs(node.Inputs.Take(1)), args => [op.Apply(OnnxGraphStep.ToTensor(args[0]))]);
    });

    /// <summary>Pow by a constant exponent: 2 (the variance of PyTorch's LayerNorm decomposition) as x·x, 0.5 as Sqrt, 1 as x.</summary>
    private Func<object[], object[]> Pow(OnnxNodeData node)
    {
        double exponent = OptionalScalar(node, 1) ?? throw new InvalidDataException($"{node} has no exponent.");
        if (exponent is not (2 or 0.5 or 1))
        {
            throw new NotSupportedException($"{node}: the exponent {exponent}; only 2, 1 and 0.5 are supported.");
        }

        return args =>
        {
            if (args[0] is OnnxConst c)
            {
                return [new OnnxConst([.. c.Data.Select(v => Math.Pow(v, exponent))], c.Dims, c.IsInt && exponent != 0.5)];
            }

            var x = (Tensor)args[0];
            return [exponent switch { 2 => x * x, 0.5 => SqrtOp.Instance.Apply(x), _ => x }];
        };
    }

    /// <summary>GlobalMaxPool of [N, C, H, W]: a max pool of the whole H×W map.</summary>
    private static Func<object[], object[]> GlobalMaxPool(OnnxNodeData node) => args =>
    {
        Tensor x = OnnxGraphStep.ToTensor(args[0]);
        if (x.Rank != 4)
        {
            throw new NotSupportedException($"{node}: input of shape {Tensor.FormatShape(x.Shape)}; only [N, C, H, W] maps to a max pool.");
        }

        return [Functional.MaxPool2d(x, (x.Shape[2], x.Shape[3]))];
    };

    /// <summary>LayerNormalization (opset 17) over the dimensions from its axis: a <see cref="LayerNorm"/> with the node's scale and bias.</summary>
    private void MapLayerNorm(OnnxNodeData node)
    {
        if (node.Inputs.Count < 2 || node.Inputs[0].Length == 0 || node.Inputs[1].Length == 0)
        {
            throw new InvalidDataException($"{node} needs an input and a scale.");
        }

        int[] shape = OnnxGraphStep.ToTensor(Value(node, 0)).Shape.ToArray();
        int axis = Axis(node, IntAttribute(node, "axis", -1), shape.Length);
        if (axis == 0)
        {
            throw new NotSupportedException($"{node}: normalising over the batch dimension (axis 0) is not supported.");
        }

        float eps = FloatAttribute(node, "epsilon", 1e-5f);
        OnnxTensorData scale = ConstantData(node, node.Inputs[1]) ?? throw new NotSupportedException($"{node}: its scale is computed by the graph; only a constant scale is supported.");
        OnnxTensorData? bias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0
            ? ConstantData(node, node.Inputs[2]) ?? throw new NotSupportedException($"{node}: its bias is computed by the graph; only a constant bias is supported.")
            : null;
        int[] normalized = shape[axis..];
        var layer = new LayerNorm(normalized, eps);
        float[] weight = scale.ToFloats(_external), shift = bias?.ToFloats(_external) ?? new float[weight.Length];
        if (weight.Length != layer.Weight!.Length || shift.Length != weight.Length)
        {
            throw new InvalidDataException($"{node}: scale and bias have {weight.Length} and {shift.Length} values for a normalised shape {Tensor.FormatShape(normalized)}.");
        }

        weight.CopyTo(layer.Weight.Value.AsSpan());
        shift.CopyTo(layer.Bias!.Value.AsSpan());
        AddLayer(node, layer, scale.Name);
    }

    private static Func<object[], object[]> Binary(OnnxNodeData node)
    {
        if (node.Inputs.Count != 2)
        {
            throw new InvalidDataException($"{node} has {node.Inputs.Count} inputs; expected 2.");
        }

        string op = node.OpType;
        return args =>
        {
            if (args[0] is OnnxConst a && args[1] is OnnxConst b)
            {
                return [ConstBinary(node, op, a, b)];
            }

            Tensor x = OnnxGraphStep.ToTensor(args[0]), y = OnnxGraphStep.ToTensor(args[1]);
            return [op switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => x / y }];
        };
    }

    /// <summary>
    /// Expand(x, shape): x broadcast (both ways, as ONNX says) with a constant shape; a constant folds, a tensor is
    /// added to zeros of the shape (the broadcasting Add's backward sums the gradient back to x's shape).
    /// </summary>
    private static Func<object[], object[]> Expand(OnnxNodeData node) => args =>
    {
        if (args[1] is not OnnxConst shape)
        {
            throw new NotSupportedException($"{node}: its shape is computed from data; only a constant shape is supported.");
        }

        int[] target = [.. shape.Longs.Select(d => d is >= 0 and <= OnnxConst.MaxElements ? (int)d : throw new InvalidDataException($"{node}: shape {OnnxTensorData.Format(shape.Longs)} is out of range."))];
        if (args[0] is OnnxConst c)
        {
            CheckConstSize(node, Graphs.Broadcast.Shape(c.Dims, target, node.OpType));
            return [ConstBinary(node, "Add", c, new OnnxConst(new double[Product(target)], target, c.IsInt))];
        }

        var x = (Tensor)args[0];
        int[] dims = Graphs.Broadcast.Shape(x.Shape, target, node.OpType);
        return [dims.AsSpan().SequenceEqual(x.Shape) ? x : x + new Tensor(target)];
    };

    /// <summary>Range(start, limit, delta) of constants, folded: ⌈(limit − start) / delta⌉ values (none when negative).</summary>
    private static Func<object[], object[]> Range(OnnxNodeData node) => args =>
    {
        if (args.Any(a => a is not OnnxConst { Data.Length: 1 }))
        {
            throw new NotSupportedException($"{node}: start, limit and delta must be constant scalars (a range computed from data is not supported).");
        }

        (double start, double limit, double delta) = (((OnnxConst)args[0]).Data[0], ((OnnxConst)args[1]).Data[0], ((OnnxConst)args[2]).Data[0]);
        bool isInt = args.All(a => ((OnnxConst)a).IsInt);
        if (delta == 0 || !double.IsFinite(start) || !double.IsFinite(limit) || !double.IsFinite(delta))
        {
            throw new InvalidDataException($"{node}: start {start}, limit {limit}, delta {delta}: delta must be non-zero and all finite.");
        }

        double count = Math.Max(Math.Ceiling((limit - start) / delta), 0);
        if (count > OnnxConst.MaxElements)
        {
            throw new NotSupportedException($"{node}: a range of {count} values; at most {OnnxConst.MaxElements} are supported.");
        }

        return [OnnxConst.Vector(Enumerable.Range(0, (int)count).Select(k => start + (k * delta)), isInt)];
    };

    /// <summary>Equal of constants (integers 0 and 1, for Where), broadcasting.</summary>
    private static Func<object[], object[]> Equal(OnnxNodeData node) => args =>
    {
        if (args[0] is not OnnxConst a || args[1] is not OnnxConst b)
        {
            throw new NotSupportedException($"{node}: Equal is supported on constants (shape arithmetic) only.");
        }

        OnnxConst difference = ConstBinary(node, "Sub", a, b);
        return [new OnnxConst([.. difference.Data.Select(d => d == 0 ? 1.0 : 0.0)], difference.Dims, isInt: true)];
    };

    /// <summary>
    /// Where(condition, x, y) with a constant condition: folded when x and y are constants too (three-way broadcasting),
    /// else a select (<see cref="WhereOp"/>: the branch not taken is never read, so its infinite or NaN values do not
    /// leak; the gradient goes to x where the condition holds and to y elsewhere).
    /// </summary>
    private static Func<object[], object[]> Where(OnnxNodeData node) => args =>
    {
        if (args[0] is not OnnxConst condition)
        {
            throw new NotSupportedException($"{node}: its condition is computed from data; only a constant condition is supported.");
        }

        if (args[1] is not OnnxConst x || args[2] is not OnnxConst y)
        {
            var select = new WhereOp([.. condition.Data.Select(c => c != 0)], condition.Dims);
            return [select.Apply(OnnxGraphStep.ToTensor(args[1]), OnnxGraphStep.ToTensor(args[2]))];
        }

        int[] dims = Graphs.Broadcast.Shape(Graphs.Broadcast.Shape(condition.Dims, x.Dims, node.OpType), y.Dims, node.OpType);
        CheckConstSize(node, dims);
        int count = Product(dims);
        double[] data = new double[count];
        int[] index = new int[dims.Length];
        for (int i = 0; i < count; i++)
        {
            data[i] = condition.Data[BroadcastOffset(index, condition.Dims)] != 0 ? x.Data[BroadcastOffset(index, x.Dims)] : y.Data[BroadcastOffset(index, y.Dims)];
            Increment(index, dims);
        }

        return [new OnnxConst(data, dims, x.IsInt && y.IsInt)];
    };

    private static void CheckConstSize(OnnxNodeData node, int[] dims)
    {
        long count = 1;
        foreach (int d in dims)
        {
            count *= d;
            if (count > OnnxConst.MaxElements)
            {
                throw new NotSupportedException($"{node}: a constant of shape {Tensor.FormatShape(dims)}; at most {OnnxConst.MaxElements} values are supported.");
            }
        }
    }

    private static OnnxConst ConstBinary(OnnxNodeData node, string op, OnnxConst a, OnnxConst b)
    {
        int[] dims = Graphs.Broadcast.Shape(a.Dims, b.Dims, op);
        int count = Product(dims);
        double[] data = new double[count];
        bool isInt = a.IsInt && b.IsInt;
        int[] index = new int[dims.Length];
        for (int i = 0; i < count; i++)
        {
            double x = a.Data[BroadcastOffset(index, a.Dims)], y = b.Data[BroadcastOffset(index, b.Dims)];
            data[i] = op switch
            {
                "Add" => x + y,
                "Sub" => x - y,
                "Mul" => x * y,
                _ when isInt && y == 0 => throw new InvalidDataException($"{node} divides the integer {x} by zero."),
                _ when isInt => Math.Truncate(x / y),
                _ => x / y,
            };
            Increment(index, dims);
        }

        return new OnnxConst(data, dims, isInt);
    }

    private static int BroadcastOffset(int[] index, int[] dims)
    {
        int offset = 0, skip = index.Length - dims.Length;
        for (int d = 0; d < dims.Length; d++)
        {
            offset = (offset * dims[d]) + (dims[d] == 1 ? 0 : index[skip + d]);
        }

        return offset;
    }

    private static Func<object[], object[]> ShapeOf(OnnxNodeData node)
    {
        long start = IntAttribute(node, "start", 0);
        long? end = node.Attribute("end")?.I;
        return args =>
        {
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int from = (int)Clamp(start, dims.Length), to = (int)Clamp(end ?? dims.Length, dims.Length);
            return [OnnxConst.Vector(dims.Skip(from).Take(Math.Max(to - from, 0)).Select(d => (double)d), isInt: true)];
        };
    }

    private Func<object[], object[]> Cast(OnnxNodeData node)
    {
        long to = IntAttribute(node, "to", 0);
        bool toInt = to is 2 or 3 or 4 or 5 or 6 or 7 or 9 or 12 or 13;
        bool toFloat = to is OnnxProto.DataTypeFloat or OnnxProto.DataTypeDouble or OnnxProto.DataTypeFloat16;
        if (!toInt && !toFloat)
        {
            throw new NotSupportedException($"{node}: Cast to element type {to} is not supported.");
        }

        if (Value(node, 0) is Tensor && toInt)
        {
            throw new NotSupportedException($"{node} casts the model's data to integers, so what follows (a shape, an index) would depend on data; such graphs are not supported.");
        }

        return args => args[0] is OnnxConst c
            ? [new OnnxConst(toInt ? [.. c.Data.Select(d => to == 9 ? (d != 0 ? 1 : 0) : Math.Truncate(d))] : c.Data, c.Dims, toInt)]
            : [args[0]];
    }

    private Func<object[], object[]> Gather(OnnxNodeData node)
    {
        long axis = IntAttribute(node, "axis", 0);
        if (Value(node, 1) is not OnnxConst)
        {
            throw new NotSupportedException($"{node}: its indices are computed from data; only constant indices are supported.");
        }

        return args =>
        {
            var indices = (OnnxConst)args[1];
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int a = Axis(node, axis, dims.Length);
            int[] picked = [.. indices.Data.Select(i => (int)Index(node, (long)i, dims[a]))];
            int[] outDims = [.. dims.Take(a), .. indices.Dims, .. dims.Skip(a + 1)];
            if (args[0] is OnnxConst c)
            {
                return [TakeAlong(c, a, picked, outDims)];
            }

            Tensor x = (Tensor)args[0];
            Tensor y = picked.Length == 1 ? x.Narrow(a, picked[0], 1)
                : IsRange(picked) ? x.Narrow(a, picked[0], picked.Length)
                : Tensor.Cat([.. picked.Select(i => x.Narrow(a, i, 1))], a);
            return [y.Reshape(outDims)];
        };
    }

    private static bool IsRange(int[] values) => values.Length > 0 && values.Select((v, i) => v - i).Distinct().Count() == 1;

    /// <summary>The constant's entries at <paramref name="picked"/> along <paramref name="axis"/>.</summary>
    private static OnnxConst TakeAlong(OnnxConst c, int axis, int[] picked, int[] outDims)
    {
        int outer = Product(c.Dims.AsSpan(0, axis)), inner = Product(c.Dims.AsSpan(axis + 1)), size = c.Dims[axis];
        double[] data = new double[outer * picked.Length * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < picked.Length; k++)
            {
                Array.Copy(c.Data, ((o * size) + picked[k]) * inner, data, ((o * picked.Length) + k) * inner, inner);
            }
        }

        return new OnnxConst(data, outDims, c.IsInt);
    }

    private Func<object[], object[]> SqueezeOrUnsqueeze(OnnxNodeData node)
    {
        bool squeeze = node.OpType == "Squeeze";
        long[]? axes = _opset < 13 ? node.Attribute("axes")?.Ints.ToArray() : node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? StaticInts(node, 1, "axes") : null;
        if (!squeeze && axes is null)
        {
            throw new InvalidDataException($"{node} has no axes.");
        }

        return args =>
        {
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int[] shape;
            if (squeeze)
            {
                HashSet<int> drop = axes is null ? [.. Enumerable.Range(0, dims.Length).Where(d => dims[d] == 1)] : [.. axes.Select(a => Axis(node, a, dims.Length))];
                if (drop.Any(d => dims[d] != 1))
                {
                    throw new ArgumentException($"cannot squeeze a dimension of size other than 1 (shape {Tensor.FormatShape(dims)}).");
                }

                shape = [.. dims.Where((_, d) => !drop.Contains(d))];
            }
            else
            {
                int rank = dims.Length + axes!.Length;
                HashSet<int> add = [.. axes.Select(a => Axis(node, a, rank))];
                if (add.Count != axes.Length)
                {
                    throw new InvalidDataException($"{node}: axes {OnnxTensorData.Format(axes)} repeat an axis.");
                }

                var list = new List<int>(rank);
                for (int d = 0, k = 0; d < rank; d++)
                {
                    list.Add(add.Contains(d) ? 1 : dims[k++]);
                }

                shape = [.. list];
            }

            return [Reshaped(args[0], shape)];
        };
    }

    private static object Reshaped(object value, int[] shape) =>
        value is OnnxConst c ? new OnnxConst(c.Data, shape, c.IsInt) : ((Tensor)value).Reshape(shape);

    private Func<object[], object[]> Concat(OnnxNodeData node)
    {
        long axis = node.Attribute("axis")?.I ?? (_opset < 4 ? 1 : throw new InvalidDataException($"{node} has no axis."));
        return args =>
        {
            int[] first = args[0] is Tensor t0 ? t0.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int a = Axis(node, axis, first.Length);
            if (args.All(v => v is OnnxConst))
            {
                OnnxConst[] parts = [.. args.Cast<OnnxConst>()];
                if (parts.Any(p => p.Dims.Length != first.Length))
                {
                    throw new ArgumentException("the inputs' ranks differ.");
                }

                int outer = Product(first.AsSpan(0, a)), inner = Product(first.AsSpan(a + 1));
                var data = new List<double>();
                for (int o = 0; o < outer; o++)
                {
                    foreach (OnnxConst p in parts)
                    {
                        int run = p.Dims[a] * inner;
                        data.AddRange(p.Data.AsSpan(o * run, run).ToArray());
                    }
                }

                int[] dims = [.. first];
                dims[a] = parts.Sum(p => p.Dims[a]);
                return [new OnnxConst([.. data], dims, parts.All(p => p.IsInt))];
            }

            return [Tensor.Cat([.. args.Select(OnnxGraphStep.ToTensor)], a)];
        };
    }

    private Func<object[], object[]> Slice(OnnxNodeData node)
    {
        Func<object[], (long[] Starts, long[] Ends, long[]? Axes, long[]? Steps)> parameters = _opset < 10
            ? _ => ([.. node.Attribute("starts")?.Ints ?? []], [.. node.Attribute("ends")?.Ints ?? []], node.Attribute("axes")?.Ints.ToArray(), null)
            : args => (Longs(node, args, 1, "starts")!, Longs(node, args, 2, "ends")!, Longs(node, args, 3, "axes"), Longs(node, args, 4, "steps"));
        for (int i = 1; i < node.Inputs.Count && _opset >= 10; i++)
        {
            if (node.Inputs[i].Length > 0 && Value(node, i) is not OnnxConst)
            {
                throw new NotSupportedException($"{node}: its input {i} is computed from data; only constant starts, ends, axes and steps are supported.");
            }
        }

        return args =>
        {
            (long[] starts, long[] ends, long[]? axes, long[]? steps) = parameters(args);
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
            steps ??= [.. Enumerable.Repeat(1L, starts.Length)];
            if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            {
                throw new InvalidDataException($"{node}: starts, ends, axes and steps have {starts.Length}, {ends.Length}, {axes.Length} and {steps.Length} values.");
            }

            object value = args[0];
            for (int i = 0; i < starts.Length; i++)
            {
                int a = Axis(node, axes[i], dims.Length);
                int size = value is Tensor tv ? tv.Shape[a] : ((OnnxConst)value).Dims[a];
                long step = steps[i];
                if (step == 0)
                {
                    throw new InvalidDataException($"{node}: a step of 0.");
                }

                (long start, long end) = SliceBounds(starts[i], ends[i], step, size);
                int count = step > 0 ? (int)Math.Max(0, (end - start + step - 1) / step) : (int)Math.Max(0, (start - end - step - 1) / -step);
                value = value switch
                {
                    OnnxConst c => TakeAlong(c, a, [.. Enumerable.Range(0, count).Select(k => (int)(start + (k * step)))], [.. c.Dims.Select((d, j) => j == a ? count : d)]),
                    Tensor x when step == 1 => count == size ? x : x.Narrow(a, (int)start, count),
                    Tensor x => count == 0 ? throw new NotSupportedException($"{node}: an empty slice of the model's data is not supported.") : new SliceOp(a, (int)start, count, (int)step).Apply(x),
                    _ => throw new NotSupportedException($"{node}: its data is neither a tensor nor a constant."),
                };
            }

            return [value];
        };
    }

    /// <summary>ONNX Slice's clamping of start and end for one axis of <paramref name="size"/>.</summary>
    private static (long Start, long End) SliceBounds(long start, long end, long step, int size)
    {
        start = start < 0 ? start + size : start;
        end = end < 0 ? end + size : end;
        return step > 0
            ? (Math.Clamp(start, 0, size), Math.Clamp(end, 0, size))
            : (Math.Clamp(start, 0, size - 1), Math.Clamp(end, -1, size - 1));
    }

    private static Func<object[], object[]> Transpose(OnnxNodeData node)
    {
        long[]? perm = node.Attribute("perm")?.Ints.ToArray();
        return args =>
        {
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int[] p = perm is null ? [.. Enumerable.Range(0, dims.Length).Reverse()] : [.. perm.Select(a => Axis(node, a, dims.Length))];
            if (p.Length != dims.Length || p.Distinct().Count() != p.Length)
            {
                throw new InvalidDataException($"{node}: perm {OnnxTensorData.Format(perm ?? [])} is not a permutation of the {dims.Length} axes.");
            }

            if (args[0] is Tensor x)
            {
                return [x.Permute(p)];
            }

            var c = (OnnxConst)args[0];
            int[] outDims = [.. p.Select(a => dims[a])];
            double[] data = new double[c.Data.Length];
            int[] index = new int[outDims.Length];
            int[] strides = Strides(dims);
            for (int i = 0; i < data.Length; i++)
            {
                int offset = 0;
                for (int d = 0; d < p.Length; d++)
                {
                    offset += index[d] * strides[p[d]];
                }

                data[i] = c.Data[offset];
                Increment(index, outDims);
            }

            return [new OnnxConst(data, outDims, c.IsInt)];
        };
    }

    private Func<object[], object[]> Reshape(OnnxNodeData node)
    {
        bool allowZero = IntAttribute(node, "allowzero", 0) != 0;
        if (_opset >= 5 && (node.Inputs.Count < 2 || Value(node, 1) is not OnnxConst))
        {
            throw new NotSupportedException($"{node}: its shape is computed from the model's data, so the output's shape would depend on data; such graphs are not supported.");
        }

        long[]? attribute = _opset < 5 ? node.Attribute("shape")?.Ints.ToArray() : null;
        return args =>
        {
            long[] target = attribute ?? ((OnnxConst)args[1]).Longs;
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            return [Reshaped(args[0], ResolveShape(node, dims, target, allowZero))];
        };
    }

    private static int[] ResolveShape(OnnxNodeData node, int[] dims, long[] target, bool allowZero)
    {
        int count = Product(dims);
        int[] shape = new int[target.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i] == 0 && !allowZero ? (i < dims.Length ? dims[i] : throw new ArgumentException($"shape {OnnxTensorData.Format(target)} copies dimension {i} of an input of rank {dims.Length}."))
                : target[i];
            if (d == -1)
            {
                infer = infer < 0 ? i : throw new ArgumentException($"shape {OnnxTensorData.Format(target)} has more than one -1.");
                continue;
            }

            if (d < 0 || d > int.MaxValue)
            {
                throw new ArgumentException($"shape {OnnxTensorData.Format(target)} has the size {d}.");
            }

            shape[i] = (int)d;
            known *= d;
            if (known > int.MaxValue)
            {
                throw new ArgumentException($"shape {OnnxTensorData.Format(target)} is too large.");
            }
        }

        if (infer >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                throw new ArgumentException($"{node}: cannot reshape {Tensor.FormatShape(dims)} to {OnnxTensorData.Format(target)}.");
            }

            shape[infer] = (int)(count / known);
        }

        if (Product(shape) != count)
        {
            throw new ArgumentException($"cannot reshape {Tensor.FormatShape(dims)} ({count} elements) to {OnnxTensorData.Format(target)}.");
        }

        return shape;
    }

    private static Func<object[], object[]> Flatten(OnnxNodeData node)
    {
        long axis = IntAttribute(node, "axis", 1);
        return args =>
        {
            int[] dims = args[0] is Tensor t ? t.Shape.ToArray() : ((OnnxConst)args[0]).Dims;
            int a = axis == dims.Length ? dims.Length : Axis(node, axis, dims.Length);
            return [Reshaped(args[0], [Product(dims.AsSpan(0, a)), Product(dims.AsSpan(a))])];
        };
    }

    private Func<object[], object[]> ConstantOfShape(OnnxNodeData node)
    {
        OnnxConst fill = node.Attribute("value") is { T: { } tensor }
            ? (tensor.DataType is OnnxProto.DataTypeInt64 or OnnxProto.DataTypeInt32 ? ConstFromInts(tensor) : new OnnxConst([.. tensor.ToFloats(_external).Select(v => (double)v)], tensor.Shape(out _), isInt: false))
            : OnnxConst.Scalar(0, isInt: false);
        if (fill.Data.Length != 1)
        {
            throw new InvalidDataException($"{node}: its value has {fill.Data.Length} elements; expected 1.");
        }

        return args =>
        {
            if (args[0] is not OnnxConst shape)
            {
                throw new NotSupportedException($"{node}: its shape is computed from the model's data.");
            }

            long[] dims = shape.Longs;
            long count = 1;
            foreach (long d in dims)
            {
                count *= d is >= 0 and <= OnnxConst.MaxElements ? d : throw new NotSupportedException($"{node}: shape {OnnxTensorData.Format(dims)} is out of range.");
                if (count > OnnxConst.MaxElements)
                {
                    throw new NotSupportedException($"{node}: shape {OnnxTensorData.Format(dims)} has more than {OnnxConst.MaxElements} elements.");
                }
            }

            return [new OnnxConst([.. Enumerable.Repeat(fill.Data[0], (int)count)], [.. dims.Select(d => (int)d)], fill.IsInt)];
        };
    }

    private Func<object[], object[]> Split(OnnxNodeData node)
    {
        long axis = IntAttribute(node, "axis", 0);
        long[]? sizes = _opset < 13 ? node.Attribute("split")?.Ints.ToArray() : node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? StaticInts(node, 1, "split") : null;
        int outputs = node.Outputs.Count;
        return args =>
        {
            Tensor x = OnnxGraphStep.ToTensor(args[0]);
            int a = Axis(node, axis, x.Rank);
            int size = x.Shape[a];
            int[] parts;
            if (sizes is not null)
            {
                parts = [.. sizes.Select(s => s is >= 0 and <= int.MaxValue ? (int)s : throw new InvalidDataException($"{node}: split size {s}."))];
            }
            else
            {
                int chunk = (size + outputs - 1) / outputs;
                parts = [.. Enumerable.Range(0, outputs).Select(i => Math.Max(0, Math.Min(chunk, size - (i * chunk))))];
            }

            if (parts.Length != outputs || parts.Sum(p => (long)p) != size)
            {
                throw new ArgumentException($"split sizes [{string.Join(", ", parts)}] do not divide the size {size} of axis {a} into {outputs} outputs.");
            }

            return [.. x.Split(parts, a)];
        };
    }

    private Func<object[], object[]> Reduce(OnnxNodeData node)
    {
        bool mean = node.OpType == "ReduceMean";
        bool keep = IntAttribute(node, "keepdims", 1) != 0;
        bool axesAsInput = mean ? _opset >= 18 : _opset >= 13;
        long[]? axes = axesAsInput
            ? node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? StaticInts(node, 1, "axes") : null
            : node.Attribute("axes")?.Ints.ToArray();
        bool noop = IntAttribute(node, "noop_with_empty_axes", 0) != 0;
        return args =>
        {
            Tensor x = OnnxGraphStep.ToTensor(args[0]);
            if ((axes is null || axes.Length == 0) && noop)
            {
                return [x];
            }

            int[] dims = axes is null || axes.Length == 0 ? [.. Enumerable.Range(0, x.Rank)] : [.. axes.Select(a => Axis(node, a, x.Rank))];
            return [mean ? x.Mean(dims, keep) : x.Sum(dims, keep)];
        };
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private long[] StaticInts(OnnxNodeData node, int index, string what) =>
        Value(node, index) is OnnxConst { } c && _static[Slot(node, node.Inputs[index])]
            ? c.Longs
            : throw new NotSupportedException($"{node}: its {what} ('{node.Inputs[index]}') are computed by the graph; only constant {what} are supported.");

    private double? OptionalScalar(OnnxNodeData node, int index)
    {
        if (node.Inputs.Count <= index || node.Inputs[index].Length == 0)
        {
            return null;
        }

        if (_initializers.TryGetValue(node.Inputs[index], out OnnxTensorData? tensor) && !_slots.ContainsKey(node.Inputs[index]))
        {
            double[] values = tensor.DataType is OnnxProto.DataTypeInt64 or OnnxProto.DataTypeInt32 ? ConstFromInts(tensor).Data : [.. tensor.ToFloats(_external).Select(v => (double)v)];
            return values.Length == 1 ? values[0] : throw new NotSupportedException($"{node}: its input {index} ('{node.Inputs[index]}') has {values.Length} values; only a constant scalar is supported.");
        }

        object value = Value(node, index);

        return value is OnnxConst { Data.Length: 1 } c && _static[Slot(node, node.Inputs[index])]
            ? c.Data[0]
            : throw new NotSupportedException($"{node}: its input {index} ('{node.Inputs[index]}') is not a constant scalar.");
    }

    private static long[]? Longs(OnnxNodeData node, object[] args, int index, string what) =>
        args.Length > index && args[index] is OnnxConst c ? c.Longs
        : args.Length > index && args[index] is not null ? throw new NotSupportedException($"{node}: its {what} are computed from data.")
        : null;

    private static long IntAttribute(OnnxNodeData node, string name, long fallback) => node.Attribute(name) is { } a ? a.I : fallback;

    private static float FloatAttribute(OnnxNodeData node, string name, float fallback) => node.Attribute(name) is { } a ? a.F : fallback;

    private static int Axis(OnnxNodeData node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw new ArgumentException($"{node}: axis {axis} is out of range for rank {rank}.");
    }

    private static long Index(OnnxNodeData node, long index, int size)
    {
        long i = index < 0 ? index + size : index;
        return i >= 0 && i < size ? i : throw new ArgumentException($"{node}: index {index} is out of range for a dimension of size {size}.");
    }

    private static long Clamp(long axis, int rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);

    private static int Product(ReadOnlySpan<int> dims)
    {
        long product = 1;
        foreach (int d in dims)
        {
            product *= d;
            if (product > int.MaxValue)
            {
                throw new ArgumentException($"a shape of more than {int.MaxValue} elements.");
            }
        }

        return (int)product;
    }

    private static int[] Strides(int[] dims)
    {
        int[] strides = new int[dims.Length];
        int stride = 1;
        for (int d = dims.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= dims[d];
        }

        return strides;
    }

    private static void Increment(int[] index, int[] dims)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < dims[d])
            {
                return;
            }

            index[d] = 0;
        }
    }

    /// <summary>
    /// Counts a shape-pass tensor against the file's budgets: one tensor at most <see cref="TensorBudget"/> elements,
    /// all together at most <see cref="TotalBudgets"/> times that.
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor or the running total is over its budget.</exception>
    private void Allocate(int[] shape, string what)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count = Math.Min(count * d, long.MaxValue / int.MaxValue);
        }

        if (count > TensorBudget)
        {
            throw new InvalidDataException($"{what} has shape {Tensor.FormatShape(shape)} for a batch of 1: {count} elements, more than the {TensorBudget} a model of this size may ask for (64 per byte of the file, at least {MinBudget}).");
        }

        _allocated += count;
        if (_allocated > TotalBudgets * TensorBudget)
        {
            throw new InvalidDataException($"{what} brings the import's shape pass to {_allocated} elements, more than the {TotalBudgets * TensorBudget} a model of this size may ask for ({TotalBudgets} × {TensorBudget}).");
        }
    }

    private static void CheckSize(int[] shape, string what)
    {
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count > MaxElements)
            {
                throw new NotSupportedException($"{what} has shape {Tensor.FormatShape(shape)} for a batch of 1: more than {MaxElements} elements, which the importer refuses.");
            }
        }
    }

    private static string FormatDims(long?[]? dims) =>
        dims is null ? "no shape" : "[" + string.Join(", ", dims.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?")) + "]";
}
