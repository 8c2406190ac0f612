using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using LeNet.Layers;
using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>
/// The ONNX graph being built by <see cref="OnnxExporter"/>: each layer appends its own nodes through
/// <see cref="Layer.ExportOnnx"/>, feeding on <see cref="Current"/> (the previous output) and adding its
/// parameters as initializers. Nested containers add their children in order.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly List<(string Name, Tensor Value)> _initializers = [];
    private readonly List<(string Name, long[] Dims, long[] Values)> _int64Initializers = [];
    private readonly Dictionary<string, int> _initializerNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _int64Names = new(StringComparer.Ordinal);
    private readonly List<(string Name, long[] Dims, bool[] Values)> _boolInitializers = [];

    public List<OnnxNode> Nodes { get; } = [];

    private string? _current;

    /// <summary>The name of the value the next node reads: the graph input, or the last node's output, unless <see cref="SetCurrent"/> named another.</summary>
    public string Current => _current ?? (Nodes.Count == 0 ? OnnxExporter.InputName : Nodes[^1].Output);

    /// <summary>Makes <paramref name="name"/> the value the next layer reads (a graph's layer reads any earlier value); null returns to the last node's output.</summary>
    public void SetCurrent(string? name) => _current = name;

    /// <summary>
    /// A node fed by <see cref="Current"/> and the layer's parameters (which become initializers under
    /// their state-dict names, <paramref name="prefix"/> + name), named <c>/{path}/{opType}</c>.
    /// </summary>
    /// <param name="opType">The ONNX operator.</param>
    /// <param name="layer">The layer whose parameters follow the data input, in registration order.</param>
    /// <param name="prefix">The layer's state-dict prefix, e.g. <c>0.</c>; empty for a top-level model.</param>
    public OnnxNode AddLayerNode(string opType, ILayer layer, string prefix)
    {
        var inputs = new List<string> { Current };
        foreach ((string name, Parameter parameter) in layer.NamedParameters())
        {
            inputs.Add(AddInitializer(prefix + name, parameter.Value));
        }

        return AddNode(opType, prefix, [.. inputs]);
    }

    /// <summary>A node with the given inputs, named <c>/{path}/{opType}</c> (with a counter when the layer already has one of that type).</summary>
    public OnnxNode AddNode(string opType, string prefix, params string[] inputs)
    {
        string path = prefix.TrimEnd('.');
        string name = $"/{path}/{opType}";
        int same = Nodes.Count(n => n.Name == name || n.Name.StartsWith(name + "_", StringComparison.Ordinal));
        var node = new OnnxNode(opType, same == 0 ? name : $"{name}_{same}", inputs);
        Nodes.Add(node);
        _current = null;
        return node;
    }

    /// <summary>Adds a float initializer and returns its name.</summary>
    /// <remarks>A layer called twice adds its parameters twice: the same tensor under the same name is one initializer.</remarks>
    public string AddInitializer(string name, Tensor value)
    {
        if (_initializerNames.TryGetValue(name, out int index))
        {
            if (ReferenceEquals(_initializers[index].Value, value))
            {
                return name;
            }

            name = UniqueName(name);
        }

        _initializerNames[name] = _initializers.Count;
        _initializers.Add((name, value));
        return name;
    }

    /// <summary>Adds an int64 initializer (shapes, pads, axes) and returns its name.</summary>
    /// <remarks>
    /// A layer called twice adds its constants twice: the same values under the same name are one initializer;
    /// other values (a shape that depends on the call's input) get a name of their own.
    /// </remarks>
    public string AddInt64Initializer(string name, long[] dims, params long[] values)
    {
        if (_int64Names.TryGetValue(name, out int index))
        {
            (_, long[] existingDims, long[] existingValues) = _int64Initializers[index];
            if (existingDims.AsSpan().SequenceEqual(dims) && existingValues.AsSpan().SequenceEqual(values))
            {
                return name;
            }

            name = UniqueName(name);
        }

        _int64Names[name] = _int64Initializers.Count;
        _int64Initializers.Add((name, dims, values));
        return name;
    }

    /// <summary>Adds a bool initializer (a Where's condition) under a name no other initializer has, and returns the name.</summary>
    public string AddBoolInitializer(string name, long[] dims, bool[] values)
    {
        if (_initializerNames.ContainsKey(name) || _int64Names.ContainsKey(name) || _boolInitializers.Any(b => b.Name == name))
        {
            name = UniqueName(name);
        }

        _boolInitializers.Add((name, dims, values));
        return name;
    }

    /// <summary><paramref name="name"/> with the first suffix <c>_2</c>, <c>_3</c>, … no initializer has.</summary>
    private string UniqueName(string name)
    {
        for (int k = 2; ; k++)
        {
            string candidate = $"{name}_{k}";
            if (!_initializerNames.ContainsKey(candidate) && !_int64Names.ContainsKey(candidate) && !_boolInitializers.Any(b => b.Name == candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>The exception for a layer without an ONNX mapping (or with an input it cannot export).</summary>
    [DoesNotReturn]
    public static void ThrowUnsupported(ILayer layer, string prefix, string? why = null) =>
        throw new NotSupportedException(why is null
            ? $"OnnxExporter: layer {prefix.TrimEnd('.')} ({layer.Name}, {layer.GetType().FullName}) has no ONNX mapping; the library's own layers export themselves, a layer of your own cannot."
            : $"OnnxExporter: layer {prefix.TrimEnd('.')} ({layer}) {why}");

    public void Write(ProtoWriter graph, int[] inputShape, int[] outputShape)
    {
        foreach (OnnxNode node in Nodes)
        {
            graph.WriteMessage(GraphNode, node.Write);
        }

        graph.WriteString(GraphName, "LeNet");
        foreach ((string name, Tensor value) in _initializers)
        {
            graph.WriteMessage(GraphInitializer, t => WriteTensor(t, name, value));
        }

        foreach ((string name, long[] dims, long[] values) in _int64Initializers)
        {
            graph.WriteMessage(GraphInitializer, t => WriteInt64Tensor(t, name, dims, values));
        }

        foreach ((string name, long[] dims, bool[] values) in _boolInitializers)
        {
            graph.WriteMessage(GraphInitializer, t => WriteBoolTensor(t, name, dims, values));
        }

        graph.WriteMessage(GraphInput, v => WriteValueInfo(v, OnnxExporter.InputName, inputShape));
        graph.WriteMessage(GraphOutput, v => WriteValueInfo(v, OnnxExporter.OutputName, outputShape));
    }

    private static void WriteTensor(ProtoWriter tensor, string name, Tensor value)
    {
        foreach (int dim in value.Shape)
        {
            tensor.WriteInt64(TensorDims, dim);
        }

        tensor.WriteInt64(TensorDataType, DataTypeFloat);
        tensor.WriteString(TensorName, name);
        // raw_data: the elements as little-endian IEEE 754, row-major.
        ReadOnlySpan<float> values = value.AsReadOnlySpan();
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        tensor.WriteBytes(TensorRawData, raw);
    }

    private static void WriteInt64Tensor(ProtoWriter tensor, string name, long[] dims, long[] values)
    {
        foreach (long dim in dims)
        {
            tensor.WriteInt64(TensorDims, dim);
        }

        tensor.WriteInt64(TensorDataType, DataTypeInt64);
        tensor.WriteString(TensorName, name);
        byte[] raw = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        tensor.WriteBytes(TensorRawData, raw);
    }

    private static void WriteBoolTensor(ProtoWriter tensor, string name, long[] dims, bool[] values)
    {
        foreach (long dim in dims)
        {
            tensor.WriteInt64(TensorDims, dim);
        }

        tensor.WriteInt64(TensorDataType, DataTypeBool);
        tensor.WriteString(TensorName, name);
        // raw_data: one byte per element, 0 or 1.
        tensor.WriteBytes(TensorRawData, [.. values.Select(v => v ? (byte)1 : (byte)0)]);
    }

    /// <summary>A float tensor value [N, d1, d2, …]: the batch dimension symbolic, the rest fixed.</summary>
    private static void WriteValueInfo(ProtoWriter valueInfo, string name, int[] shape)
    {
        valueInfo.WriteString(ValueInfoName, name);
        valueInfo.WriteMessage(ValueInfoType, type => type.WriteMessage(TypeTensorType, tensorType =>
        {
            tensorType.WriteInt64(TensorTypeElemType, DataTypeFloat);
            tensorType.WriteMessage(TensorTypeShape, tensorShape =>
            {
                tensorShape.WriteMessage(ShapeDim, d => d.WriteString(DimensionParam, OnnxExporter.BatchDimension));
                foreach (int size in shape.AsSpan(1))
                {
                    tensorShape.WriteMessage(ShapeDim, d => d.WriteInt64(DimensionValue, size));
                }
            });
        }));
    }
}
