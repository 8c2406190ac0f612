using System.Text;
using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>The parts of an ONNX <c>ModelProto</c> the importer reads: the default opset and the graph.</summary>
internal sealed class OnnxModelData
{
    public long IrVersion { get; internal set; }

    public List<(string Domain, long Version)> Opsets { get; } = [];

    public OnnxGraphData Graph { get; internal set; } = null!;

    /// <summary>Parses a <c>ModelProto</c>; unknown fields are skipped, as protobuf readers do.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed model, or it has no graph.</exception>
    public static OnnxModelData Parse(ReadOnlyMemory<byte> bytes)
    {
        var model = new OnnxModelData();
        var reader = new ProtoReader(bytes);
        OnnxGraphData? graph = null;
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case ModelIrVersion:
                    reader.Expect(wire, ProtoReader.Varint, "ModelProto.ir_version");
                    model.IrVersion = reader.ReadInt64();
                    break;
                case ModelGraph:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "ModelProto.graph");
                    graph = OnnxGraphData.Parse(reader.ReadMessage());
                    break;
                case ModelOpsetImport:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "ModelProto.opset_import");
                    model.Opsets.Add(ParseOpset(reader.ReadMessage()));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        model.Graph = graph ?? throw new InvalidDataException("the file has no graph (ModelProto.graph, field 7); is it an ONNX model?");
        return model;
    }

    private static (string Domain, long Version) ParseOpset(ProtoReader reader)
    {
        (string domain, long version) = ("", 0);
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == OpsetIdDomain && wire == ProtoReader.LengthDelimited)
            {
                domain = reader.ReadString();
            }
            else if (field == OpsetIdVersion && wire == ProtoReader.Varint)
            {
                version = reader.ReadInt64();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (domain, version);
    }
}

/// <summary>A <c>GraphProto</c>: nodes in topological order, initializers, inputs and outputs.</summary>
internal sealed class OnnxGraphData
{
    public List<OnnxNodeData> Nodes { get; } = [];

    public List<OnnxTensorData> Initializers { get; } = [];

    public List<OnnxValueInfo> Inputs { get; } = [];

    public List<OnnxValueInfo> Outputs { get; } = [];

    public static OnnxGraphData Parse(ProtoReader reader)
    {
        var graph = new OnnxGraphData();
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case GraphNode:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "GraphProto.node");
                    graph.Nodes.Add(OnnxNodeData.Parse(reader.ReadMessage()));
                    break;
                case GraphInitializer:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "GraphProto.initializer");
                    graph.Initializers.Add(OnnxTensorData.Parse(reader.ReadMessage()));
                    break;
                case GraphInput:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "GraphProto.input");
                    graph.Inputs.Add(OnnxValueInfo.Parse(reader.ReadMessage()));
                    break;
                case GraphOutput:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "GraphProto.output");
                    graph.Outputs.Add(OnnxValueInfo.Parse(reader.ReadMessage()));
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return graph;
    }
}

/// <summary>A <c>ValueInfoProto</c>: a name and, for a tensor, its shape (null entries: symbolic or unknown sizes).</summary>
internal sealed class OnnxValueInfo
{
    public string Name { get; internal set; } = "";

    /// <summary>The dimensions, null when the value has no shape; an entry is null when it is symbolic (<c>dim_param</c>) or absent.</summary>
    public long?[]? Shape { get; internal set; }

    public static OnnxValueInfo Parse(ProtoReader reader)
    {
        var info = new OnnxValueInfo();
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == ValueInfoName && wire == ProtoReader.LengthDelimited)
            {
                info.Name = reader.ReadString();
            }
            else if (field == ValueInfoType && wire == ProtoReader.LengthDelimited)
            {
                ProtoReader type = reader.ReadMessage();
                while (type.TryReadTag(out int typeField, out int typeWire))
                {
                    if (typeField == TypeTensorType && typeWire == ProtoReader.LengthDelimited)
                    {
                        info.Shape = ParseTensorType(type.ReadMessage());
                    }
                    else
                    {
                        type.Skip(typeWire);
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return info;
    }

    private static long?[]? ParseTensorType(ProtoReader reader)
    {
        long?[]? shape = null;
        while (reader.TryReadTag(out int field, out int wire))
        {
            if (field == TensorTypeShape && wire == ProtoReader.LengthDelimited)
            {
                var dims = new List<long?>();
                ProtoReader shapeReader = reader.ReadMessage();
                while (shapeReader.TryReadTag(out int shapeField, out int shapeWire))
                {
                    if (shapeField == ShapeDim && shapeWire == ProtoReader.LengthDelimited)
                    {
                        ProtoReader dim = shapeReader.ReadMessage();
                        long? value = null;
                        while (dim.TryReadTag(out int dimField, out int dimWire))
                        {
                            if (dimField == DimensionValue && dimWire == ProtoReader.Varint)
                            {
                                value = dim.ReadInt64();
                            }
                            else
                            {
                                dim.Skip(dimWire);
                            }
                        }

                        dims.Add(value);
                    }
                    else
                    {
                        shapeReader.Skip(shapeWire);
                    }
                }

                shape = [.. dims];
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return shape;
    }
}

/// <summary>A <c>NodeProto</c>: an operator applied to named values.</summary>
internal sealed class OnnxNodeData
{
    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public string Name { get; private set; } = "";

    public string OpType { get; private set; } = "";

    public string Domain { get; private set; } = "";

    public List<OnnxAttributeData> Attributes { get; } = [];

    /// <summary>How messages name the node: <c>Conv node '/conv1/Conv'</c>.</summary>
    public override string ToString() => Name.Length > 0 ? $"{OpType} node '{Name}'" : $"{OpType} node (unnamed, output '{(Outputs.Count > 0 ? Outputs[0] : "")}')";

    public OnnxAttributeData? Attribute(string name) => Attributes.LastOrDefault(a => a.Name == name);

    /// <summary>A copy reading <paramref name="inputs"/> instead (the graph importer's one-node models).</summary>
    public OnnxNodeData WithInputs(IEnumerable<string> inputs)
    {
        var copy = new OnnxNodeData { Name = Name, OpType = OpType, Domain = Domain };
        copy.Inputs.AddRange(inputs);
        copy.Outputs.AddRange(Outputs);
        copy.Attributes.AddRange(Attributes);
        return copy;
    }

    public static OnnxNodeData Parse(ProtoReader reader)
    {
        var node = new OnnxNodeData();
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case NodeInput:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.input");
                    node.Inputs.Add(reader.ReadString());
                    break;
                case NodeOutput:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.output");
                    node.Outputs.Add(reader.ReadString());
                    break;
                case NodeName:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.name");
                    node.Name = reader.ReadString();
                    break;
                case NodeOpType:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.op_type");
                    node.OpType = reader.ReadString();
                    break;
                case NodeAttribute:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.attribute");
                    node.Attributes.Add(OnnxAttributeData.Parse(reader.ReadMessage()));
                    break;
                case NodeDomain:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "NodeProto.domain");
                    node.Domain = reader.ReadString();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return node;
    }
}

/// <summary>An <c>AttributeProto</c>: the scalar, string, tensor and list forms the supported operators use.</summary>
internal sealed class OnnxAttributeData
{
    public string Name { get; private set; } = "";

    public int Type { get; private set; }

    public float F { get; private set; }

    public long I { get; private set; }

    public string S { get; private set; } = "";

    public OnnxTensorData? T { get; private set; }

    public List<float> Floats { get; } = [];

    public List<long> Ints { get; } = [];

    public static OnnxAttributeData Parse(ProtoReader reader)
    {
        var attribute = new OnnxAttributeData();
        while (reader.TryReadTag(out int field, out int wire))
        {
            switch (field)
            {
                case AttributeName:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "AttributeProto.name");
                    attribute.Name = reader.ReadString();
                    break;
                case AttributeFloat:
                    reader.Expect(wire, ProtoReader.Fixed32, "AttributeProto.f");
                    attribute.F = reader.ReadFloat();
                    break;
                case AttributeInt:
                    reader.Expect(wire, ProtoReader.Varint, "AttributeProto.i");
                    attribute.I = reader.ReadInt64();
                    break;
                case AttributeString:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "AttributeProto.s");
                    // bytes in the schema; the operators' string attributes (modes, auto_pad) are ASCII.
                    attribute.S = Encoding.Latin1.GetString(reader.ReadBytes().Span);
                    break;
                case AttributeTensor:
                    reader.Expect(wire, ProtoReader.LengthDelimited, "AttributeProto.t");
                    attribute.T = OnnxTensorData.Parse(reader.ReadMessage());
                    break;
                case AttributeFloats:
                    reader.ReadRepeatedFloat(wire, attribute.Floats);
                    break;
                case AttributeInts:
                    reader.ReadRepeatedInt64(wire, attribute.Ints);
                    break;
                case AttributeType:
                    reader.Expect(wire, ProtoReader.Varint, "AttributeProto.type");
                    attribute.Type = reader.ReadInt32();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return attribute;
    }
}
