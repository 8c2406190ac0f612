using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using LeNet.Layers;
using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>
/// Exports a <see cref="Sequential"/> as an ONNX model (IR version 7, opset 13) that ONNX Runtime and
/// other ONNX tools run, like <c>torch.onnx.export(net, x, path, dynamic_axes={"input": {0: "N"}, …})</c>.
/// </summary>
/// <remarks>
/// <para>
/// The graph has one input <c>input</c> [N, …] and one output <c>output</c> [N, …], N a symbolic batch
/// dimension. Layers map to <c>Conv</c> (<see cref="Conv2d"/>), <c>AveragePool</c> (<see cref="AvgPool2d"/>),
/// <c>MaxPool</c> (<see cref="MaxPool2d"/>), <c>Sigmoid</c>, <c>Relu</c>, <c>Flatten</c> (axis 1) and
/// <c>Gemm</c> (<see cref="Linear"/> on a rank-2 input, transB = 1); nested <see cref="Sequential"/>s are
/// inlined. The parameters become initializers named by their state-dict keys (<c>0.weight</c>, …).
/// </para>
/// <para>
/// The protobuf encoding is written by a small internal writer: the library depends on nothing but
/// System.Numerics.Tensors. The file is written atomically (temporary file, flush, rename).
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 7;

    /// <summary>The version of the default ONNX operator set imported.</summary>
    public const int OpsetVersion = 13;

    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    /// <summary>The symbolic name of the batch dimension of the input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>Writes <paramref name="model"/> as an ONNX file.</summary>
    /// <param name="model">The model to export; its current parameter values are stored in the file.</param>
    /// <param name="path">The <c>.onnx</c> file to create or replace; its folder must exist.</param>
    /// <param name="inputShape">An example input shape, batch first, e.g. <c>1, 1, 28, 28</c> for LeNet; the batch size becomes the symbolic dimension N, the other sizes are fixed.</param>
    /// <exception cref="ArgumentException">The input shape is empty, has a non-positive size, or does not fit the model (the message names the layer); or the model has no layers.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping (the message names it and its position).</exception>
    /// <exception cref="IOException">The file could not be written; a previous file, if any, is unchanged.</exception>
    public static void Export(Sequential model, string path, params int[] inputShape) => Export(model, path, inputShape, wrap: null);

    /// <summary>The path overload with a test seam: <paramref name="wrap"/> decorates the temporary file's stream.</summary>
    internal static void Export(Sequential model, string path, int[] inputShape, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = Serialize(model, inputShape);
        AtomicFile.Write(path, stream => stream.Write(bytes), wrap);
    }

    /// <summary>The serialized <c>ModelProto</c>.</summary>
    internal static byte[] Serialize(Sequential model, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"OnnxExporter: the input shape must have a batch dimension and positive sizes, got {Tensor.FormatShape(inputShape)}.", nameof(inputShape));
        }

        int[] outputShape = model.GetOutputShape(inputShape);
        var graph = new GraphBuilder();
        graph.AddSequential(model, prefix: "", inputShape);
        if (graph.Nodes.Count == 0)
        {
            throw new ArgumentException("OnnxExporter: the model has no layers to export.", nameof(model));
        }

        graph.Nodes[^1].Output = OutputName;
        var writer = new ProtoWriter();
        writer.WriteInt64(ModelIrVersion, IrVersion);
        writer.WriteString(ModelProducerName, "LeNet");
        writer.WriteString(ModelProducerVersion, ProducerVersion());
        writer.WriteMessage(ModelGraph, g => graph.Write(g, inputShape, outputShape));
        writer.WriteMessage(ModelOpsetImport, o => o.WriteInt64(OpsetIdVersion, OpsetVersion));
        return writer.WrittenSpan.ToArray();
    }

    private static string ProducerVersion()
    {
        Assembly assembly = typeof(OnnxExporter).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return version?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "";
    }

    /// <summary>One ONNX node: op type, inputs, output and attributes (each written by an action).</summary>
    private sealed class Node(string opType, string name, string[] inputs)
    {
        public string OpType { get; } = opType;

        public string Name { get; } = name;

        public string[] Inputs { get; } = inputs;

        public string Output { get; set; } = name + "_output_0";

        public List<Action<ProtoWriter>> Attributes { get; } = [];

        public Node Ints(string attribute, params long[] values)
        {
            Attributes.Add(w =>
            {
                w.WriteString(AttributeName, attribute);
                foreach (long value in values)
                {
                    w.WriteInt64(AttributeInts, value);
                }

                w.WriteInt64(AttributeType, AttributeTypeInts);
            });
            return this;
        }

        public Node Int(string attribute, long value)
        {
            Attributes.Add(w =>
            {
                w.WriteString(AttributeName, attribute);
                w.WriteInt64(AttributeInt, value);
                w.WriteInt64(AttributeType, AttributeTypeInt);
            });
            return this;
        }

        public Node Float(string attribute, float value)
        {
            Attributes.Add(w =>
            {
                w.WriteString(AttributeName, attribute);
                w.WriteFloat(AttributeFloat, value);
                w.WriteInt64(AttributeType, AttributeTypeFloat);
            });
            return this;
        }

        public void Write(ProtoWriter w)
        {
            foreach (string input in Inputs)
            {
                w.WriteString(NodeInput, input);
            }

            w.WriteString(NodeOutput, Output);
            w.WriteString(NodeName, Name);
            w.WriteString(NodeOpType, OpType);
            foreach (Action<ProtoWriter> attribute in Attributes)
            {
                w.WriteMessage(NodeAttribute, attribute);
            }
        }
    }

    /// <summary>Walks the layers in order, turning each into a node and its parameters into initializers.</summary>
    private sealed class GraphBuilder
    {
        private readonly List<(string Name, Tensor Value)> _initializers = [];

        public List<Node> Nodes { get; } = [];

        private string Current => Nodes.Count == 0 ? InputName : Nodes[^1].Output;

        /// <summary>Adds the children of <paramref name="model"/>, whose parameter names start with <paramref name="prefix"/>.</summary>
        /// <returns>The shape after the last child.</returns>
        public int[] AddSequential(Sequential model, string prefix, int[] shape)
        {
            for (int i = 0; i < model.Count; i++)
            {
                string childPrefix = prefix + i.ToString(CultureInfo.InvariantCulture) + ".";
                ILayer layer = model[i];
                if (layer is Sequential nested)
                {
                    shape = AddSequential(nested, childPrefix, shape);
                }
                else
                {
                    AddLayer(layer, childPrefix, shape);
                    shape = layer.GetOutputShape(shape);
                }
            }

            return shape;
        }

        private void AddLayer(ILayer layer, string prefix, int[] inputShape)
        {
            string path = prefix.TrimEnd('.');
            switch (layer)
            {
                case Conv2d conv:
                    Add("Conv", path, layer, prefix)
                        .Ints("dilations", 1, 1)
                        .Int("group", 1)
                        .Ints("kernel_shape", conv.KernelSize, conv.KernelSize)
                        .Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding)
                        .Ints("strides", conv.Stride, conv.Stride);
                    break;
                case AvgPool2d pool:
                    // PyTorch's defaults (no padding, floor rounding) are ONNX's: ceil_mode 0, count_include_pad 0.
                    Add("AveragePool", path, layer, prefix)
                        .Ints("kernel_shape", pool.KernelSize, pool.KernelSize)
                        .Ints("pads", 0, 0, 0, 0)
                        .Ints("strides", pool.Stride, pool.Stride);
                    break;
                case MaxPool2d pool:
                    Add("MaxPool", path, layer, prefix)
                        .Ints("kernel_shape", pool.KernelSize, pool.KernelSize)
                        .Ints("pads", 0, 0, 0, 0)
                        .Ints("strides", pool.Stride, pool.Stride);
                    break;
                case Sigmoid:
                    Add("Sigmoid", path, layer, prefix);
                    break;
                case ReLU:
                    Add("Relu", path, layer, prefix);
                    break;
                case Flatten:
                    // torch.nn.Flatten() is start_dim=1, end_dim=-1: ONNX Flatten with axis 1.
                    Add("Flatten", path, layer, prefix).Int("axis", 1);
                    break;
                case Linear when inputShape.Length != 2:
                    throw new NotSupportedException(
                        $"OnnxExporter: layer {path} ({layer}) gets a rank-{inputShape.Length} input {Tensor.FormatShape(inputShape)}; it is exported as ONNX Gemm, which takes rank 2 only ([N, {((Linear)layer).InFeatures}]).");
                case Linear:
                    // y = x·Wᵀ + b with W [out, in] as stored: Gemm(A = x, B = W, C = b, transB = 1).
                    Add("Gemm", path, layer, prefix)
                        .Float("alpha", 1f)
                        .Float("beta", 1f)
                        .Int("transB", 1);
                    break;
                default:
                    throw new NotSupportedException(
                        $"OnnxExporter: layer {path} ({layer.Name}, {layer.GetType().FullName}) has no ONNX mapping; supported: Conv2d, AvgPool2d, MaxPool2d, Sigmoid, ReLU, Flatten, Linear and nested Sequential.");
            }
        }

        /// <summary>A node fed by the previous output and the layer's parameters, which become initializers.</summary>
        private Node Add(string opType, string path, ILayer layer, string prefix)
        {
            var inputs = new List<string> { Current };
            foreach ((string name, Parameter parameter) in layer.NamedParameters())
            {
                inputs.Add(prefix + name);
                _initializers.Add((prefix + name, parameter.Value));
            }

            var node = new Node(opType, $"/{path}/{opType}", [.. inputs]);
            Nodes.Add(node);
            return node;
        }

        public void Write(ProtoWriter graph, int[] inputShape, int[] outputShape)
        {
            foreach (Node node in Nodes)
            {
                graph.WriteMessage(GraphNode, node.Write);
            }

            graph.WriteString(GraphName, "LeNet");
            foreach ((string name, Tensor value) in _initializers)
            {
                graph.WriteMessage(GraphInitializer, t => WriteTensor(t, name, value));
            }

            graph.WriteMessage(GraphInput, v => WriteValueInfo(v, InputName, inputShape));
            graph.WriteMessage(GraphOutput, v => WriteValueInfo(v, OutputName, outputShape));
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
            ReadOnlySpan<float> values = value.AsSpan();
            byte[] raw = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
            }

            tensor.WriteBytes(TensorRawData, raw);
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
                    tensorShape.WriteMessage(ShapeDim, d => d.WriteString(DimensionParam, BatchDimension));
                    foreach (int size in shape.AsSpan(1))
                    {
                        tensorShape.WriteMessage(ShapeDim, d => d.WriteInt64(DimensionValue, size));
                    }
                });
            }));
        }
    }
}
