using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>One ONNX node of an <see cref="OnnxGraph"/>: op type, inputs, output and attributes (each written by an action).</summary>
internal sealed class OnnxNode(string opType, string name, string[] inputs)
{
    public string OpType { get; } = opType;

    public string Name { get; } = name;

    public string[] Inputs { get; } = inputs;

    public string Output { get; set; } = name + "_output_0";

    public List<Action<ProtoWriter>> Attributes { get; } = [];

    public OnnxNode Ints(string attribute, params long[] values)
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

    public OnnxNode Int(string attribute, long value)
    {
        Attributes.Add(w =>
        {
            w.WriteString(AttributeName, attribute);
            w.WriteInt64(AttributeInt, value);
            w.WriteInt64(AttributeType, AttributeTypeInt);
        });
        return this;
    }

    public OnnxNode Float(string attribute, float value)
    {
        Attributes.Add(w =>
        {
            w.WriteString(AttributeName, attribute);
            w.WriteFloat(AttributeFloat, value);
            w.WriteInt64(AttributeType, AttributeTypeFloat);
        });
        return this;
    }

    public OnnxNode String(string attribute, string value)
    {
        Attributes.Add(w =>
        {
            w.WriteString(AttributeName, attribute);
            w.WriteString(AttributeString, value);
            w.WriteInt64(AttributeType, AttributeTypeString);
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
